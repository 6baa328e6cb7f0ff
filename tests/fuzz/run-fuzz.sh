#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one fuzz target for a fixed number of inputs, starting from its
# committed seed corpus (read-only: new inputs go to a scratch folder in the
# build tree, crash reproducers too). Fails on any crash, leak, sanitizer
# report, timeout or out-of-memory.
#   run-fuzz.sh TARGET SEED-CORPUS SCRATCH-DIR RUNS
set -euo pipefail
target="$1" seeds="$2" scratch="$3" runs="$4"
rm -rf "$scratch"
mkdir -p "$scratch/corpus" "$scratch/artifacts"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$here/../lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
exec "$target" -runs="$runs" -seed=1 -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$scratch/artifacts/" "$scratch/corpus" "$seeds"
