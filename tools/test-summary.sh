#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Prints "N passed, N failed, N skipped" from meson's testlog.json (one JSON
# object per test program), counting skipped programs apart.
log="$1"
[ -f "$log" ] || { echo "0 passed, 1 failed"; exit 0; }
passed=$(grep -c '"result": "OK"' "$log" || true)
failed=$(grep -cE '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
skipped=$(grep -c '"result": "SKIP"' "$log" || true)
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
