#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's two quick-start commands:
#   bash tools/quickstart.sh run    install what is missing, build, open the editor on the demo
#   bash tools/quickstart.sh test   install what is missing, build, run the whole test suite
# Safe to run again: installs only what is missing and rebuilds only what changed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
mode="${1:-run}"
build="${VT_BUILD_DIR:-build}"

bash tools/deps.sh

meson_args=()
if [ "${CI:-}" = "true" ]; then
  meson_args+=(-Dwerror=true)
fi
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "${meson_args[@]}"
fi
meson compile -C "$build"

case "$mode" in
  run)
    exec "$build/app/voxtrace" "$build/resources/demo/demo-mix.flac"
    ;;
  test)
    export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-2}"
    status=0
    meson test -C "$build" --print-errorlogs --num-processes 2 "${@:2}" || status=$?
    bash tools/test-summary.sh "$build/meson-logs/testlog.json"
    exit "$status"
    ;;
  *)
    echo "usage: bash tools/quickstart.sh run|test [meson test options]" >&2
    exit 2
    ;;
esac
