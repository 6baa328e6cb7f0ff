#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Prints "N passed, N failed, N skipped" over meson's testlog.json files (one
# JSON object per test program); a missing log counts as one failure.
passed=0 failed=0 skipped=0
for log in "$@"; do
  if [ ! -f "$log" ]; then
    failed=$((failed + 1))
    continue
  fi
  passed=$((passed + $(grep -c '"result": "OK"' "$log" || true)))
  failed=$((failed + $(grep -cE '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)))
  skipped=$((skipped + $(grep -c '"result": "SKIP"' "$log" || true)))
done
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
