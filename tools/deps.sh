#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what Voxtrace needs to build, run and test on Debian 12, only if
# something is missing. Non-interactive and idempotent.
set -euo pipefail

PACKAGES=(
  build-essential meson ninja-build pkg-config
  libglib2.0-dev libgtk-4-dev libsndfile1-dev libsoxr-dev libfftw3-dev
  libopenblas-dev liblapacke-dev portaudio19-dev
  xvfb xauth xdotool imagemagick jackd2
  libjson-glib-dev desktop-file-utils appstream-util
  clang libclang-rt-14-dev valgrind
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  SUDO=(sudo -E)
fi
echo "voxtrace: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
