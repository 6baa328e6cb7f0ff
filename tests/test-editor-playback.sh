#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The editor's transport into a JACK server with the dummy driver, driven
# like a person under a private Xvfb and recorded with jack_rec. TAP.
#
#   test-editor-playback.sh VOXTRACE DEMO_MIX CHECK_STEMS
#
# The output device comes from the preferences (GSettings keyfile backend:
# "JACK Audio Connection Kit"). The editor starts before the server: it says
# "playback unavailable"; once the server runs, "Try Again" (Alt+Y) brings
# playback. Space plays: the recording carries the song; Space again pauses:
# silence. Stopping the server mid-playback shows a notice, and the editor
# lives on.
set -u

VOXTRACE=${1:-}
DEMO=${2:-}
CHECK_STEMS=${3:-}
NOTICE_COLOR='#8A5A00' # the playback banner (resources/css/voxtrace.css)
RULER_COLOR='#1C1E23'
PORTS="voxtrace:out_0 voxtrace:out_1"

n=0
failed=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for line in "$@"; do echo "# $line"; done; }
check () { if eval "$2"; then ok "$1"; else not_ok "$1" "failed: $2"; fi; }
note () { echo "# $*"; }
bail () { echo "Bail out! $*"; exit 1; }

[ -x "$VOXTRACE" ] && [ -f "$DEMO" ] && [ -x "$CHECK_STEMS" ] ||
  bail "usage: test-editor-playback.sh VOXTRACE DEMO_MIX CHECK_STEMS"
for tool in Xvfb xdotool import convert jackd jack_rec jack_lsp timeout; do
  command -v $tool >/dev/null || { echo "1..0 # SKIP needs $tool (tools/deps.sh installs it)"; exit 0; }
done

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/voxtrace-playback-XXXXXX") || bail "mktemp failed"
OUR_PIDS=()
JACKD_PID=
cleanup () {
  for pid in "${OUR_PIDS[@]}" $JACKD_PID; do kill "$pid" 2>/dev/null; done
  for pid in "${OUR_PIDS[@]}" $JACKD_PID; do wait "$pid" 2>/dev/null; done
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

export NO_AT_BRIDGE=1 GTK_A11Y=none LC_ALL=C.UTF-8 OPENBLAS_NUM_THREADS=1
export XDG_DATA_HOME=$SCRATCH/data XDG_CONFIG_HOME=$SCRATCH/config XDG_CACHE_HOME=$SCRATCH/cache
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME/glib-2.0/settings" "$XDG_CACHE_HOME"
# The preference a user would set: play through JACK.
export GSETTINGS_BACKEND=keyfile
cat >"$XDG_CONFIG_HOME/glib-2.0/settings/keyfile" <<'KEYS'
[org/voxtrace/Voxtrace]
output-device='JACK Audio Connection Kit'
volume=1.0
KEYS
export JACK_DEFAULT_SERVER="voxtrace-editor-$$-$RANDOM" JACK_NO_START_SERVER=1

RULER_WIDTH=64 # VT_SPECTROGRAM_VIEW_RULER_WIDTH
TIME_RULER_HEIGHT=22
DURATION=24.0
color_box () { # FILE COLOR -> "W H X Y"
  convert "$1" -alpha off -fill black +opaque "$2" -fill white -opaque "$2" \
    -bordercolor black -border 1 -format '%@' info: 2>/dev/null \
    | sed -E 's/^([0-9]+)x([0-9]+)\+([0-9]+)\+([0-9]+)$/\1 \2 \3 \4/' \
    | awk '{ print $1, $2, $3 - 1, $4 - 1 }'
}
drag () { # X0 Y0 X1 Y1
  xdotool mousemove "$1" "$2"; sleep 0.1
  xdotool mousedown 1; sleep 0.1
  local i
  for i in $(seq 1 20); do
    xdotool mousemove $(($1 + ($3 - $1) * i / 20)) $(($2 + ($4 - $2) * i / 20)); sleep 0.02
  done
  sleep 0.1; xdotool mouseup 1; sleep 0.3
}
count_color () {
  convert "$1" -alpha off -fill black +opaque "$2" -fill white -opaque "$2" \
    -format '%[fx:round(mean*w*h)]' info: 2>/dev/null
}
shot () { timeout 10 import -window root "$1" 2>/dev/null; }
shot_until () { # FILE SECONDS PREDICATE...
  local file=$1 deadline=$((SECONDS + $2)); shift 2
  while :; do
    shot "$file"
    "$@" "$file" && return 0
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.3
  done
}
focus () { timeout 5 xdotool windowfocus --sync "$1" 2>/dev/null || xdotool windowfocus "$1"; sleep 0.2; }
start_jackd () {
  jackd --no-realtime -d dummy -r 48000 -p 256 >>"$SCRATCH/jackd.log" 2>&1 &
  JACKD_PID=$!
  for _ in $(seq 50); do jack_lsp >/dev/null 2>&1 && break; sleep 0.1; done
  jack_lsp 2>/dev/null | grep -q system:playback_1
}
# record NAME SECONDS KEYS...: jack_rec records our ports for SECONDS while
# the keys are pressed at 1-second steps from its start.
record () {
  local name=$1 seconds=$2
  shift 2
  timeout 30 jack_rec -f "$SCRATCH/rec-$name.wav" -d "$seconds" -b 32 $PORTS \
    >"$SCRATCH/rec-$name.log" 2>&1 &
  local rec_pid=$!
  for _ in $(seq 100); do
    [ "$(jack_lsp -c voxtrace:out_0 2>/dev/null | wc -l)" -ge 3 ] && break
    sleep 0.05
  done
  local key
  for key in "$@"; do
    if [ "$key" = "-" ]; then sleep 1; else xdotool key --clearmodifiers "$key"; fi
  done
  wait $rec_pid
}
rms () { "$CHECK_STEMS" rms "$1" "$2" "$3" 2>/dev/null | awk '{ print $2 }'; }

fifo=$SCRATCH/displayfd
: >"$fifo"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$fifo" >"$SCRATCH/xvfb.log" 2>&1 &
OUR_PIDS+=("$!")
for i in $(seq 100); do [ -s "$fifo" ] && break; sleep 0.1; done
[ -s "$fifo" ] || bail "Xvfb did not start"
export DISPLAY=:$(head -n1 "$fifo")
for i in $(seq 50); do xdotool getmouselocation >/dev/null 2>&1 && break; sleep 0.1; done

SONG=$SCRATCH/demo-mix.flac
cp "$DEMO" "$SONG"
APP_LOG=$SCRATCH/app.log
G_MESSAGES_DEBUG=voxtrace-window GDK_BACKEND=x11 GSK_RENDERER=cairo "$VOXTRACE" "$SONG" >"$APP_LOG" 2>&1 &
APP_PID=$!
OUR_PIDS+=("$APP_PID")
window=$(timeout 60 xdotool search --sync --onlyvisible --name '^demo-mix\.flac$' 2>/dev/null | head -n1)
[ -n "$window" ] || bail "no window: $(tail -3 "$APP_LOG")"
has_spectrogram () { [ "$(count_color "$1" "$RULER_COLOR")" -gt 5000 ]; }
shot_until "$SCRATCH/open.png" 60 has_spectrogram
has_notice () { [ "$(count_color "$1" "$NOTICE_COLOR")" -gt 2000 ]; }
no_notice () { [ "$(count_color "$1" "$NOTICE_COLOR")" -eq 0 ]; }
# (polled: the banner slides in)
check "no JACK server yet: the window says playback is unavailable" \
  'shot_until "$SCRATCH/open.png" 10 has_notice && grep -q "playback unavailable: " "$APP_LOG"'
note "$(grep -m1 'playback unavailable' "$APP_LOG")"
start_jackd || bail "jackd (dummy driver) did not start: $(tail -3 "$SCRATCH/jackd.log")"
focus "$window"
xdotool key --clearmodifiers alt+y
check "the server started, Try Again (Alt+Y) clears the notice" 'shot_until "$SCRATCH/back.png" 15 no_notice'
check "the editor is a JACK client" 'jack_lsp 2>/dev/null | grep -q "^voxtrace:out_0$"'

focus "$window"
# Space at 0 s, Space again at 2 s; 4 s recorded.
record play 4 space - - space
a=$(rms "$SCRATCH/rec-play.wav" 0.4 1.8)
b=$(rms "$SCRATCH/rec-play.wav" 2.6 3.9)
note "rms while playing $a, after the pause $b"
check "Space plays: the recording carries the song" 'awk "BEGIN { exit !($a > 0.01) }"'
check "Space again pauses: silence" 'awk "BEGIN { exit !($b < 0.0005) }"'

# What is heard: 1 s each of the mix, the vocals, the accompaniment (keys
# 1/2/3 while playing), once the worker's stems reached the player.
up_to_date () { # the last status line says the stems are rendered
  local d=$((SECONDS + $1))
  while [ $SECONDS -lt $d ]; do
    [ "$(grep -o 'status: .*' "$APP_LOG" | tail -1)" = "status: The separation is up to date." ] && return 0
    sleep 0.3
  done
  return 1
}
check "the stems are rendered for the player" 'up_to_date 120'
focus "$window"
record sources 4 1 space - 2 - 3 - space
m=$(rms "$SCRATCH/rec-sources.wav" 0.3 0.9)
v=$(rms "$SCRATCH/rec-sources.wav" 1.3 1.9)
a=$(rms "$SCRATCH/rec-sources.wav" 2.3 2.9)
note "rms mix $m, vocals $v, accompaniment $a"
check "2 plays the vocals: sound, quieter than the mix" 'awk "BEGIN { exit !($v > 0.003 && $m > 1.5 * $v) }"'
check "3 plays the accompaniment: louder than the vocals" 'awk "BEGIN { exit !($a > 1.5 * $v) }"'
focus "$window"
xdotool key --clearmodifiers 1

# Loop a selection: click at 1.5 s (seek), select 2.0-2.8 s with a drag, L,
# play: after the first pass the recording repeats with the loop's period.
read -r sw sh sx sy <<<"$(color_box "$SCRATCH/back.png" "$RULER_COLOR")"
plot_x0=$((sx + RULER_WIDTH)); plot_w=$((sw - RULER_WIDTH))
x_of () { awk -v t="$1" -v x0=$plot_x0 -v w=$plot_w -v d=$DURATION 'BEGIN { printf "%d", x0 + t / d * w }'; }
y_mid=$((sy + (sh - TIME_RULER_HEIGHT) / 2))
xdotool mousemove "$(x_of 1.5)" "$y_mid" click 1
sleep 0.3
drag "$(x_of 2.0)" "$y_mid" "$(x_of 2.8)" "$y_mid"
xdotool key --clearmodifiers l
sleep 0.3
loop=$(grep -o 'loop: [0-9.]* [0-9.]*' "$APP_LOG" | tail -1)
note "$loop (selected with the drag)"
read -r _ loop_start loop_end <<<"$loop"
record loop 5 space - - - - space
if [ -n "${loop_end:-}" ]; then
  period=$(awk -v a="$loop_start" -v b="$loop_end" 'BEGIN { print b - a }')
  c=$("$CHECK_STEMS" repeat "$SCRATCH/rec-loop.wav" 2.2 "$period" | awk '{ print $2 }')
  c0=$("$CHECK_STEMS" repeat "$SCRATCH/rec-play.wav" 0.2 "$period" | awk '{ print $2 }')
  note "period $period s: correlation of successive periods $c while looping, $c0 without"
  check "L loops the selection: the recording repeats with its period" \
    'awk "BEGIN { exit !($c > 0.95 && $c0 < 0.9) }"'
else
  not_ok "L loops the selection: the recording repeats with its period" "no loop set: $(tail -3 "$APP_LOG")"
fi
focus "$window"
xdotool key --clearmodifiers l

# The server goes away mid-playback: a notice, and a way back.
xdotool key --clearmodifiers space
sleep 0.5
kill "$JACKD_PID"; wait "$JACKD_PID" 2>/dev/null; JACKD_PID=
check "losing the server mid-playback shows a notice" 'shot_until "$SCRATCH/lost.png" 15 has_notice'
cp "$SCRATCH/lost.png" "${VT_GUI_SCREENSHOT_DIR:-$SCRATCH}/gui-playback-lost.png" 2>/dev/null
note "$(grep -m1 'Playback stopped' "$APP_LOG")"
check "the editor survives it" 'kill -0 $APP_PID'
# PortAudio keeps its client of the vanished server (vt-player.c leaves the
# dead stream, since closing it hangs), so a second try within this run
# cannot reach a new server; it must say so rather than hang or crash.
start_jackd || bail "jackd did not restart"
focus "$window"
xdotool key --clearmodifiers alt+y
sleep 2
shot "$SCRATCH/retry.png"
check "Try Again after the loss answers with a notice and the editor lives on" \
  'kill -0 $APP_PID && has_notice "$SCRATCH/retry.png"'
note "$(grep -E 'Playback stopped|playback unavailable' "$APP_LOG" | tail -1)"

focus "$window"
xdotool key --clearmodifiers ctrl+q
for i in $(seq 100); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.1; done
bad=$(grep -E "CRITICAL|WARNING" "$APP_LOG" | grep -v "session bus" | head -5)
if [ -z "$bad" ]; then ok "no critical warnings in the log"; else not_ok "no critical warnings in the log" "$bad"; fi
echo "1..$n"
[ "$failed" -eq 0 ]
