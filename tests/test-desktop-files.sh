#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The desktop integration files are valid and `meson install` puts them,
# the icon, the settings schema and the demo song where desktops look. TAP.
#
#   test-desktop-files.sh SOURCE_ROOT BUILD_ROOT
set -u
SRC=${1:-}; BUILD=${2:-}
n=0; failed=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
[ -d "$SRC/resources" ] && [ -d "$BUILD" ] || { echo "Bail out! usage: test-desktop-files.sh SOURCE_ROOT BUILD_ROOT"; exit 1; }

DESKTOP=$SRC/resources/org.voxtrace.Voxtrace.desktop
METAINFO=$SRC/resources/org.voxtrace.Voxtrace.metainfo.xml
if command -v desktop-file-validate >/dev/null; then
  out=$(desktop-file-validate "$DESKTOP" 2>&1)
  if [ $? -eq 0 ] && [ -z "$out" ]; then ok "desktop-file-validate accepts the desktop file"
  else not_ok "desktop-file-validate accepts the desktop file" "$out"; fi
else
  ok "# SKIP desktop-file-validate is not installed (tools/deps.sh installs it)"
fi
if command -v appstream-util >/dev/null; then
  out=$(appstream-util validate-relax --nonet "$METAINFO" 2>&1)
  if [ $? -eq 0 ]; then ok "appstream-util validate-relax accepts the metainfo"
  else not_ok "appstream-util validate-relax accepts the metainfo" "$out"; fi
else
  ok "# SKIP appstream-util is not installed (tools/deps.sh installs it)"
fi
if command -v xmllint >/dev/null; then
  if xmllint --noout "$SRC/resources/icons/org.voxtrace.Voxtrace.svg" 2>/dev/null; then
    ok "the icon is well-formed SVG"
  else not_ok "the icon is well-formed SVG"; fi
fi
if command -v glib-compile-schemas >/dev/null; then
  out=$(glib-compile-schemas --strict --dry-run "$SRC/resources" 2>&1)
  if [ $? -eq 0 ]; then ok "the settings schema compiles (--strict)"
  else not_ok "the settings schema compiles (--strict)" "$out"; fi
fi

# meson install into a scratch DESTDIR: every file lands where it should.
DEST=$(mktemp -d "${TMPDIR:-/tmp}/voxtrace-install-XXXXXX")
trap 'rm -rf "$DEST"' EXIT
log=$DEST.log
if DESTDIR=$DEST meson install -C "$BUILD" --no-rebuild --quiet >"$log" 2>&1; then
  ok "meson install succeeds"
else
  not_ok "meson install succeeds" "$(tail -5 "$log")"
fi
rm -f "$log"
for want in bin/voxtrace share/applications/org.voxtrace.Voxtrace.desktop \
  share/metainfo/org.voxtrace.Voxtrace.metainfo.xml \
  share/icons/hicolor/scalable/apps/org.voxtrace.Voxtrace.svg \
  share/glib-2.0/schemas/org.voxtrace.Voxtrace.gschema.xml \
  share/voxtrace/demo/demo-mix.flac; do
  found=$(find "$DEST" -path "*/$want" -print -quit)
  if [ -n "$found" ]; then ok "installs $want"; else not_ok "installs $want"; fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
