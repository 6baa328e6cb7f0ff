#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The sanitizer builds CI runs after the plain one (.ci/run):
#   bash tools/sanitizers.sh asan   gcc, AddressSanitizer + UndefinedBehaviorSanitizer
#                                   (+ LeakSanitizer): suites core, models, app
#   bash tools/sanitizers.sh tsan   gcc, ThreadSanitizer: the ring buffer and
#                                   the nn engine's helper threads
#   bash tools/sanitizers.sh fuzz   clang, the libFuzzer targets for a fixed
#                                   number of inputs each (suite fuzz)
#   bash tools/sanitizers.sh valgrind  the plain build (build/), quick core
#                                   tests under valgrind: no definite leak, no
#                                   invalid access (not in CI: slow)
# Any sanitizer report fails the test it happens in. Build folders:
# build-ci-asan, build-ci-tsan, build-ci-fuzz (VT_SANITIZER_BUILD_PREFIX
# changes "build-ci"). Extra arguments go to meson test.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
kind="${1:-asan}"
prefix="${VT_SANITIZER_BUILD_PREFIX:-build-ci}"
build="$prefix-$kind"

setup_args=()
if [ "${CI:-}" = "true" ]; then
  setup_args+=(-Dwerror=true)
fi
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-2}"
test_args=(--print-errorlogs --num-processes 2)

case "$kind" in
  asan)
    setup_args+=(-Db_sanitize=address,undefined -Db_lundef=false)
    # halt_on_error: a UBSan report fails the test instead of scrolling by.
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    export LSAN_OPTIONS="suppressions=$here/tests/lsan.supp:print_suppressions=0"
    test_args+=(--suite core --suite models --suite app --timeout-multiplier 3)
    ;;
  tsan)
    setup_args+=(-Db_sanitize=thread -Db_lundef=false)
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$here/tests/tsan.supp"
    # The nn engine's helper threads (vt-parallel) are off by default.
    export VT_NN_THREADS=2
    # Not the worker: GLib's GMutex/GCond/GAsyncQueue wait on futexes that
    # TSan cannot see, so every job handed to the worker thread is reported
    # as a race (it would need a GLib built with -fsanitize=thread). Not the
    # player either: PortAudio's JACK host API runs our callback on libjack's
    # thread, synchronised through libjack's own futexes and shared memory,
    # and under TSan the real-time recording comes back empty.
    test_args+=(--timeout-multiplier 4 ring-buffer stft nn-grad nn-train)
    ;;
  valgrind)
    build="${VT_BUILD_DIR:-build}"
    test_args+=(--timeout-multiplier 10
      --wrap="valgrind --quiet --child-silent-after-fork=yes --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --error-exitcode=99"
      audio stft recipe nn-weights nn-grad f0 harmonic-map pitch-track mask-apply song bad-input)
    ;;
  fuzz)
    export CC=clang
    setup_args+=(-Dfuzzing=true)
    test_args+=(--suite fuzz)
    ;;
  *)
    echo "usage: bash tools/sanitizers.sh asan|tsan|fuzz|valgrind [meson test options]" >&2
    exit 2
    ;;
esac

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "${setup_args[@]}"
fi
meson compile -C "$build"
status=0
meson test -C "$build" "${test_args[@]}" "${@:2}" || status=$?
if [ -x tools/test-summary.sh ] || [ -f tools/test-summary.sh ]; then
  bash tools/test-summary.sh "$build/meson-logs/testlog.json" || true
fi
exit "$status"
