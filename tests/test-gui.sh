#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Drives voxtrace like a person and checks what it shows. TAP output.
#
#   test-gui.sh cli    VOXTRACE FIXTURES   --help, --version, info FILE, info missing
#   test-gui.sh window VOXTRACE FIXTURES   under a private Xvfb: open songs from the
#       command line and with Ctrl+O, check the waveform in screenshots, open
#       damaged files and check the error banner, quit with Ctrl+Q
#
# FIXTURES is tests/vt-gui-fixtures (writes the songs). Every wait is bounded;
# the colours searched for are those of resources/css/voxtrace.css.
set -u

MODE=${1:-}
VOXTRACE=${2:-}
FIXTURES=${3:-}

WAVE_COLOR='#4cc3d9'
WAVE_BACKGROUND='#202329'
BANNER_COLOR='#b01e2f'

n=0
failed=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for line in "$@"; do echo "# $line"; done; }
check () { # check DESCRIPTION 'SHELL CONDITION' (evaluated here; sees the caller's locals)
  if eval "$2"; then ok "$1"; else not_ok "$1" "failed: $2"; fi
}
note () { echo "# $*"; }
bail () { echo "Bail out! $*"; exit 1; }

[ -x "$VOXTRACE" ] || bail "usage: test-gui.sh cli|window VOXTRACE FIXTURES"
[ -x "$FIXTURES" ] || bail "no fixture generator: $FIXTURES"

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/voxtrace-gui-XXXXXX") || bail "mktemp failed"
OUR_PIDS=()
cleanup () {
  for pid in "${OUR_PIDS[@]}"; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${OUR_PIDS[@]}"; do
    wait "$pid" 2>/dev/null
  done
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

"$FIXTURES" "$SCRATCH" || bail "cannot write the fixture songs"

# Nothing of the user's: settings in memory, recent files and caches in scratch.
export GSETTINGS_BACKEND=memory
export NO_AT_BRIDGE=1
export GTK_A11Y=none
export XDG_DATA_HOME=$SCRATCH/data XDG_CONFIG_HOME=$SCRATCH/config XDG_CACHE_HOME=$SCRATCH/cache
export LC_ALL=C.UTF-8
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"

###########################################################################
test_cli () {
  local out err status
  out=$("$VOXTRACE" --help 2>"$SCRATCH/err"); status=$?
  check "--help exits 0" '[ $status -eq 0 ]'
  check "--help lists the info command" 'grep -q "^  info " <<<"$out"'

  out=$("$VOXTRACE" --version 2>"$SCRATCH/err"); status=$?
  check "--version exits 0 and prints one line: voxtrace X.Y.Z" \
    '[ $status -eq 0 ] && [[ "$out" =~ ^voxtrace\ [0-9]+\.[0-9]+\.[0-9]+$ ]]'

  out=$("$VOXTRACE" info "$SCRATCH/shape.wav" 2>"$SCRATCH/err"); status=$?
  check "info on a song exits 0" '[ $status -eq 0 ]'
  check "info prints rate, channels and duration" \
    'grep -q "rate: 44100 Hz" <<<"$out" && grep -q "channels: 2" <<<"$out" &&
       grep -q "duration: 0:03.000" <<<"$out"'

  out=$("$VOXTRACE" info "$SCRATCH/missing.wav" 2>"$SCRATCH/err"); status=$?
  err=$(cat "$SCRATCH/err")
  note "info missing.wav: $err"
  check "info on a missing file exits non-zero" '[ $status -ne 0 ]'
  check "info on a missing file says why in one line" \
    '[ "$(wc -l <"$SCRATCH/err")" -eq 1 ] &&
       grep -q "^voxtrace info: .*missing.wav: no such file$" <<<"$err"'

  out=$("$VOXTRACE" info "$SCRATCH/not-audio.wav" 2>"$SCRATCH/err"); status=$?
  check "info on a text file exits non-zero with one line" \
    '[ $status -ne 0 ] && [ "$(wc -l <"$SCRATCH/err")" -eq 1 ]'

  out=$("$VOXTRACE" --no-such-option 2>"$SCRATCH/err"); status=$?
  check "an unknown option exits non-zero with one line" \
    '[ $status -ne 0 ] && [ "$(wc -l <"$SCRATCH/err")" -eq 1 ]'

  # A mistyped command must not open the editor (no display here anyway).
  out=$(DISPLAY= "$VOXTRACE" seperate "$SCRATCH/shape.wav" 2>"$SCRATCH/err"); status=$?
  check "a mistyped command exits non-zero with one line" \
    '[ $status -ne 0 ] && [ "$(wc -l <"$SCRATCH/err")" -eq 1 ] &&
       grep -q "unknown command" "$SCRATCH/err"'
}

###########################################################################
# Image helpers; all work on a PNG screenshot.

# Number of pixels of exactly COLOR in FILE (optionally within GEOMETRY).
count_color () { # FILE COLOR [GEOMETRY]
  local crop=()
  [ -n "${3:-}" ] && crop=(-crop "$3" +repage)
  convert "$1" "${crop[@]}" -alpha off -fill black +opaque "$2" -fill white -opaque "$2" \
    -format '%[fx:round(mean*w*h)]' info: 2>/dev/null
}

# Bounding box "W H X Y" of the pixels of COLOR in FILE (within GEOMETRY;
# X, Y relative to it), or "0 0 0 0" when there are none.
color_box () { # FILE COLOR [GEOMETRY]
  local crop=()
  [ -n "${3:-}" ] && crop=(-crop "$3" +repage)
  local count
  count=$(count_color "$@")
  if [ "${count:-0}" -eq 0 ]; then echo "0 0 0 0"; return; fi
  convert "$1" "${crop[@]}" -alpha off -fill black +opaque "$2" -fill white -opaque "$2" \
    -bordercolor black -border 1 -format '%@' info: 2>/dev/null \
    | sed -E 's/^([0-9]+)x([0-9]+)\+([0-9]+)\+([0-9]+)$/\1 \2 \3 \4/' \
    | awk '{ print $1, $2, $3 - 1, $4 - 1 }'
}

shot () { # FILE
  timeout 10 import -window root "$1" 2>/dev/null
}

###########################################################################
XVFB_PID=
start_xvfb () {
  local fifo=$SCRATCH/displayfd
  : >"$fifo"
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$fifo" \
    >"$SCRATCH/xvfb.log" 2>&1 &
  XVFB_PID=$!
  OUR_PIDS+=("$XVFB_PID")
  local i
  for i in $(seq 100); do
    if [ -s "$fifo" ]; then
      export DISPLAY=:$(head -n1 "$fifo")
      xdpyinfo >/dev/null 2>&1 || xdotool getmouselocation >/dev/null 2>&1 && return 0
    fi
    kill -0 "$XVFB_PID" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

APP_PID=
APP_LOG=
start_app () { # LOGNAME ARGS...
  APP_LOG=$SCRATCH/$1.log; shift
  GDK_BACKEND=x11 GSK_RENDERER=cairo "$VOXTRACE" "$@" >"$APP_LOG" 2>&1 &
  APP_PID=$!
  OUR_PIDS+=("$APP_PID")
}

# Waits (at most SECONDS) for a visible window whose title matches the regex
# exactly; prints its id.
wait_window () { # TITLE_REGEX SECONDS
  timeout "$2" xdotool search --sync --onlyvisible --name "^$1\$" 2>/dev/null | head -n1
}

# Waits (at most SECONDS) until no visible window has that title.
wait_window_gone () { # TITLE_REGEX SECONDS
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    xdotool search --onlyvisible --name "^$1\$" >/dev/null 2>&1 || return 0
    sleep 0.1
  done
  return 1
}

# Waits (at most SECONDS) for the app to exit; its status in APP_STATUS.
APP_STATUS=
wait_exit () { # SECONDS
  local deadline=$((SECONDS + $1))
  while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$APP_PID" 2>/dev/null; then
      wait "$APP_PID"; APP_STATUS=$?
      return 0
    fi
    sleep 0.1
  done
  return 1
}

focus () { # WINDOW
  timeout 5 xdotool windowfocus --sync "$1" 2>/dev/null || xdotool windowfocus "$1"
  sleep 0.2
}

# Takes screenshots until COUNT_CMD on it is satisfied or SECONDS pass;
# leaves the last in FILE. The screen can lag the title by a frame or two.
shot_until () { # FILE SECONDS PREDICATE...
  local file=$1 deadline=$((SECONDS + $2)); shift 2
  while :; do
    shot "$file"
    "$@" "$file" && return 0
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}

has_waveform () { [ "$(count_color "$1" "$WAVE_COLOR")" -gt 200 ]; }
has_banner () { [ "$(count_color "$1" "$BANNER_COLOR")" -gt 2000 ]; }
has_no_banner () { [ "$(count_color "$1" "$BANNER_COLOR")" -eq 0 ]; }
# The banner is fully revealed (its slide-down has ended) and holds text:
# white glyph pixels in its left half, where the message goes.
BANNER_HEIGHT=
has_settled_banner () {
  has_banner "$1" || return 1
  local w h x y
  read -r w h x y <<<"$(color_box "$1" "$BANNER_COLOR")"
  [ "$h" = "$BANNER_HEIGHT" ] || { BANNER_HEIGHT=$h; return 1; }
  [ "$(count_color "$1" '#ffffff' "$((w / 2))x$h+$x+$y")" -gt 50 ]
}

# Opens PATH through the Open dialog of WINDOW, typing it like a person.
open_with_dialog () { # WINDOW PATH
  focus "$1"
  xdotool key --clearmodifiers ctrl+o
  local dialog
  dialog=$(wait_window 'Open a Song' 15)
  [ -n "$dialog" ] || return 1
  focus "$dialog"
  xdotool key --clearmodifiers ctrl+l
  sleep 0.3
  xdotool type --delay 15 "$2"
  sleep 0.3
  xdotool key Return
  wait_window_gone 'Open a Song' 10
}

# Height of the waveform in the middle 60% of the horizontal span
# [X0, X0 + W) of the screenshot, within rows [TOP, TOP + H).
segment_height () { # FILE X0 W TOP H
  local inner=$(($3 * 6 / 10)) start=$(($2 + $3 * 2 / 10))
  color_box "$1" "$WAVE_COLOR" "${inner}x$5+$start+$4" | awk '{ print $2 }'
}

test_window () {
  command -v Xvfb >/dev/null && command -v xdotool >/dev/null && command -v import >/dev/null &&
    command -v convert >/dev/null \
    || { echo "1..0 # SKIP needs Xvfb, xdotool and imagemagick (tools/deps.sh installs them)"; exit 0; }
  start_xvfb || bail "Xvfb did not start: $(cat "$SCRATCH/xvfb.log")"
  note "Xvfb on $DISPLAY"

  # 1. A song from the command line: the title becomes its name once loaded.
  start_app shape "$SCRATCH/shape.wav"
  local window
  window=$(wait_window 'shape\.wav' 30)
  if [ -n "$window" ]; then ok "voxtrace shape.wav opens a window titled shape.wav"
  else not_ok "voxtrace shape.wav opens a window titled shape.wav" "$(cat "$APP_LOG")"; bail "no window"; fi

  local png=$SCRATCH/shape.png
  check "the waveform is drawn" 'shot_until "$png" 10 has_waveform'
  cp "$png" "${VT_GUI_SCREENSHOT_DIR:-$SCRATCH}/gui-shape.png" 2>/dev/null

  # Where is it? The loud first second, the quiet second, the silent third.
  local w h x y
  read -r w h x y <<<"$(color_box "$png" "$WAVE_COLOR")"
  note "waveform box ${w}x${h}+${x}+${y}"
  local bw bh bx by
  read -r bw bh bx by <<<"$(color_box "$png" "$WAVE_BACKGROUND")"
  note "waveform background box ${bw}x${bh}+${bx}+${by}"
  check "the waveform lies inside its dark background" \
    '[ "$x" -ge "$bx" ] && [ "$y" -ge "$by" ] && [ $((x + w)) -le $((bx + bw)) ] &&
       [ $((y + h)) -le $((by + bh)) ] && [ "$bw" -gt 0 ]'
  check "the song spans the view's width (${w} of ${bw} px)" \
    '[ "$w" -ge $((bw - 2)) ] && [ "$w" -gt 600 ]'
  local third=$((w / 3)) loud quiet silent
  loud=$(segment_height "$png" "$x" "$third" "$by" "$bh")
  quiet=$(segment_height "$png" $((x + third)) "$third" "$by" "$bh")
  silent=$(segment_height "$png" $((x + 2 * third)) "$third" "$by" "$bh")
  note "heights: loud $loud, quiet $quiet, silent $silent px (view ${bh} px incl. padding)"
  check "the loud second reaches about 0.8 of the view's height" \
    'awk -v a="$loud" -v v="$bh" "BEGIN { r = a / (v - 16); exit !(r > 0.7 && r < 0.9) }"'
  check "loud/quiet height ratio is about 0.8/0.25" \
    'awk -v a="$loud" -v b="$quiet" "BEGIN { exit !(b > 0 && a / b > 2.7 && a / b < 3.7) }"'
  check "the silent second is a flat line" '[ "${silent:-99}" -ge 1 ] && [ "${silent:-99}" -le 2 ]'
  local loud_count silent_count
  loud_count=$(count_color "$png" "$WAVE_COLOR" "${third}x${bh}+${x}+${by}")
  silent_count=$(count_color "$png" "$WAVE_COLOR" "${third}x${bh}+$((x + 2 * third))+${by}")
  note "waveform pixels: loud third $loud_count, silent third $silent_count"
  check "a loud tone paints far more than silence" '[ "$loud_count" -gt $((20 * silent_count)) ]'
  check "no error banner after a good song" 'has_no_banner "$png"'

  # 2. A file that is not audio, through Ctrl+O: banner, song kept, alive.
  if open_with_dialog "$window" "$SCRATCH/not-audio.wav"; then ok "Ctrl+O shows the Open dialog and takes a typed path"
  else not_ok "Ctrl+O shows the Open dialog and takes a typed path"; fi
  png=$SCRATCH/not-audio.png
  BANNER_HEIGHT=
  check "a text file shows the error banner, with text in it" 'shot_until "$png" 10 has_settled_banner'
  cp "$png" "${VT_GUI_SCREENSHOT_DIR:-$SCRATCH}/gui-error.png" 2>/dev/null
  check "the banner carries core's message" \
    'grep -q "not-audio.wav: not an audio file that can be read" "$APP_LOG"'
  check "the window stays alive and keeps the song" \
    'kill -0 "$APP_PID" && [ "$(xdotool getwindowname "$window")" = "shape.wav" ] &&
       has_waveform "$png"'

  # 3. Another song through the dialog replaces the picture and the banner goes.
  open_with_dialog "$window" "$SCRATCH/silence.wav"
  if [ -n "$(wait_window 'silence\.wav' 15)" ]; then ok "Ctrl+O opens silence.wav in the same window"
  else not_ok "Ctrl+O opens silence.wav in the same window" "$(tail -5 "$APP_LOG")"; fi
  png=$SCRATCH/silence.png
  flat () {
    local box; box=$(color_box "$1" "$WAVE_COLOR")
    has_no_banner "$1" && [ "$(awk '{ print $2 }' <<<"$box")" -le 2 ] &&
      [ "$(awk '{ print $1 }' <<<"$box")" -ge $((bw - 2)) ]
  }
  check "silence is drawn as one flat line over the whole width, banner gone" \
    'shot_until "$png" 10 flat'

  # 4. Ctrl+Q quits cleanly.
  focus "$window"
  xdotool key --clearmodifiers ctrl+q
  if wait_exit 10 && [ "$APP_STATUS" -eq 0 ]; then ok "Ctrl+Q quits with status 0"
  else not_ok "Ctrl+Q quits with status 0" "status ${APP_STATUS:-still running}"; kill "$APP_PID" 2>/dev/null; fi

  # 5. The songs are remembered, and the Recent menu (Alt+R, like a person
  # at the keyboard) reopens the latest in a window started empty.
  local recent=$XDG_DATA_HOME/recently-used.xbel
  check "both songs are in the recent-files list, as Voxtrace's" \
    'grep -q "shape.wav" "$recent" && grep -q "silence.wav" "$recent" &&
       grep -q "application name=\"Voxtrace\"" "$recent"'
  start_app empty
  window=$(wait_window 'Voxtrace' 20)
  png=$SCRATCH/empty.png
  shot "$png"
  check "voxtrace alone opens an empty window: no waveform, no banner" \
    '[ -n "$window" ] && [ "$(count_color "$png" "$WAVE_COLOR")" -eq 0 ] && has_no_banner "$png"'
  focus "$window"
  xdotool key --clearmodifiers alt+r
  sleep 0.5
  xdotool key Return
  check "Recent > first entry opens the song opened last" '[ -n "$(wait_window "silence\.wav" 15)" ]'
  xdotool key --clearmodifiers ctrl+q
  wait_exit 10 || kill "$APP_PID" 2>/dev/null

  # 6. Damaged songs from the command line: a window with the banner, no crash.
  local name expect
  for name in missing empty truncated nan; do
    case $name in
      missing) expect='missing.wav: no such file' ;;
      empty) expect='empty.wav: the file is empty' ;;
      truncated) expect='truncated.wav: the file ends early' ;;
      nan) expect='nan.wav: .* samples are not numbers' ;;
    esac
    start_app "$name" "$SCRATCH/$name.wav"
    window=$(wait_window 'Voxtrace' 20)
    png=$SCRATCH/$name.png
    BANNER_HEIGHT=
    if [ -n "$window" ] && shot_until "$png" 10 has_settled_banner && grep -q "$expect" "$APP_LOG" &&
      kill -0 "$APP_PID" 2>/dev/null; then
      ok "voxtrace $name.wav shows the banner with: $expect"
    else
      not_ok "voxtrace $name.wav shows the banner with: $expect" "$(tail -3 "$APP_LOG")"
    fi
    if [ -n "$window" ]; then
      focus "$window"
      xdotool key --clearmodifiers ctrl+q
    fi
    if wait_exit 10 && [ "$APP_STATUS" -eq 0 ]; then :; else
      kill "$APP_PID" 2>/dev/null; APP_STATUS=killed
    fi
    check "voxtrace $name.wav quits cleanly after the error" '[ "$APP_STATUS" = 0 ]'
  done
}

case $MODE in
  cli) test_cli ;;
  window) test_window ;;
  *) bail "unknown mode '$MODE' (cli or window)" ;;
esac
echo "1..$n"
[ "$failed" -eq 0 ]
