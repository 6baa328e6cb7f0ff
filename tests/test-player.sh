#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Live playback against a real sound server: starts its own JACK server
# (dummy driver, unique name), plays generated stems through app's VtPlayer
# (PortAudio's JACK host API) with vt-player-driver, records the output with
# jack_rec and checks what was heard. TAP output; every step is bounded in
# time. Usage: test-player.sh PATH/TO/vt-player-driver
set -u

DRIVER=$1
DEVICE="JACK Audio Connection Kit"
PORTS="voxtrace:out_0 voxtrace:out_1"

for tool in jackd jack_rec jack_lsp timeout; do
  if ! command -v "$tool" >/dev/null; then
    echo "1..0 # SKIP $tool is not installed (tools/deps.sh installs jackd2)"
    exit 0
  fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/voxtrace-player-XXXXXX")
JACKD_PID=
PIDS=()
cleanup () {
  for pid in "${PIDS[@]}" $JACKD_PID; do
    kill "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

n=0
failed=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); failed=1; echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
# check "description" CONDITION-as-awk-expression "values"
check () {
  if awk "BEGIN { exit !($2) }"; then ok "$1 ($3)"; else not_ok "$1" "failed: $2" "$3"; fi
}
# field NAME LINE: the value after NAME in an analyze line
field () { echo "$2" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

echo "1..17"

"$DRIVER" signals "$WORK" || { echo "Bail out! cannot write test signals"; exit 1; }

# (c) No server: the player says why and the program goes on (exit 0).
export JACK_DEFAULT_SERVER="voxtrace-absent-$$-$RANDOM"
export JACK_NO_START_SERVER=1
out=$(timeout 20 "$DRIVER" play "$WORK" --device "$DEVICE" --seconds 1 2>/dev/null)
rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "^playback unavailable: "; then
  ok "no JACK server: $(echo "$out" | grep '^playback unavailable')"
else
  not_ok "no JACK server reports playback unavailable and exits 0" "rc=$rc" "$out"
fi

export JACK_DEFAULT_SERVER="voxtrace-test-$$-$RANDOM"
jackd --no-realtime -d dummy -r 48000 -p 256 >"$WORK/jackd.log" 2>&1 &
JACKD_PID=$!
for _ in $(seq 50); do
  jack_lsp >/dev/null 2>&1 && break
  sleep 0.1
done
if ! jack_lsp 2>/dev/null | grep -q system:playback_1; then
  echo "Bail out! jackd (dummy driver) did not start: $(tail -3 "$WORK/jackd.log")"
  exit 1
fi

# record NAME SECONDS [driver options]: plays for SECONDS while jack_rec
# records SECONDS + 1 into rec-NAME.wav; the driver's output goes to NAME.log.
record () {
  local name=$1 seconds=$2
  shift 2
  rm -f "$WORK/go"
  timeout 30 "$DRIVER" play "$WORK" --device "$DEVICE" --seconds "$seconds" \
    --start-file "$WORK/go" "$@" >"$WORK/$name.log" 2>"$WORK/$name.err" &
  local driver_pid=$!
  for _ in $(seq 100); do
    grep -q "^ready\|^playback unavailable" "$WORK/$name.log" && break
    sleep 0.1
  done
  timeout 30 jack_rec -f "$WORK/rec-$name.wav" -d $((seconds + 1)) -b 32 $PORTS \
    >"$WORK/$name.rec.log" 2>&1 &
  local rec_pid=$!
  # Start playing once the recorder is connected to our ports.
  for _ in $(seq 100); do
    [ "$(jack_lsp -c voxtrace:out_0 2>/dev/null | wc -l)" -ge 3 ] && break
    sleep 0.05
  done
  touch "$WORK/go"
  wait $driver_pid
  wait $rec_pid
}

analyze () { "$DRIVER" analyze "$@" 2>&1; }

# (a) The selected stem is what is heard.
record vocals 3 --source vocals
a=$(analyze "$WORK/rec-vocals.wav" "$WORK/vocals.wav" 0.3 2.5)
lag=$(field lag "$a")
check "recording matches the vocals" "$(field corr "$a") > 0.99" "$a"
b=$(analyze "$WORK/rec-vocals.wav" "$WORK/accompaniment.wav" 0.3 2.5 "$lag")
check "recording is not the accompaniment" "$(field corr "$b") < 0.3 && $(field corr "$b") > -0.3" "$b"
check "no gap or jump while playing the vocals" \
  "$(field zero_run "$a") < 3 && $(field maxstep_rec "$a") <= 1.02 * $(field maxstep_ref "$a") + 0.001" "$a"
check "no underruns" "$(grep -c 'underruns 0 ' "$WORK/vocals.log") == 1" "$(tail -1 "$WORK/vocals.log")"

# Switching from the mix to the accompaniment at 1.5 s: no gap, then the
# accompaniment.
record switch 3 --source mix --switch 1.5:accompaniment
a=$(analyze "$WORK/rec-switch.wav" "$WORK/mix.wav" 0.3 1.2)
lag=$(field lag "$a")
check "before the switch: the mix" "$(field corr "$a") > 0.99" "$a"
b=$(analyze "$WORK/rec-switch.wav" "$WORK/accompaniment.wav" 2.0 2.8 "$lag")
check "after the switch: the accompaniment" "$(field corr "$b") > 0.99" "$b"
m=$(analyze "$WORK/rec-switch.wav" "$WORK/mix.wav" 0.1 2.8 "$lag")
s=$(analyze "$WORK/rec-switch.wav" "$WORK/accompaniment.wav" 0.1 2.8 "$lag")
check "no gap or jump across the switch" \
  "$(field zero_run "$m") < 3 && $(field maxstep_rec "$m") <= 1.02 * ($(field maxstep_ref "$m") > $(field maxstep_ref "$s") ? $(field maxstep_ref "$m") : $(field maxstep_ref "$s")) + 0.001" \
  "$m / accompaniment $s"

# (b) A re-separated chunk (other vocals for song time 1.0-5.0 s) swapped in
# at 1.5 s while the vocals play, the playhead inside the chunk.
record swap 4 --source vocals --swap 1.5:1.0:5.0
a=$(analyze "$WORK/rec-swap.wav" "$WORK/vocals.wav" 0.3 1.2)
lag=$(field lag "$a")
check "before the swap: the old vocals" "$(field corr "$a") > 0.99" "$a"
b=$(analyze "$WORK/rec-swap.wav" "$WORK/vocals-new.wav" 2.0 3.8 "$lag")
check "after the swap: the new vocals" "$(field corr "$b") > 0.99" "$b"
o=$(analyze "$WORK/rec-swap.wav" "$WORK/vocals.wav" 0.1 3.8 "$lag")
w=$(analyze "$WORK/rec-swap.wav" "$WORK/vocals-new.wav" 0.1 3.8 "$lag")
check "no gap across the swap" "$(field zero_run "$o") < 3" "$o"
check "no jump beyond the signals' own steps across the swap" \
  "$(field maxstep_rec "$o") <= 1.02 * ($(field maxstep_ref "$o") > $(field maxstep_ref "$w") ? $(field maxstep_ref "$o") : $(field maxstep_ref "$w")) + 0.001" \
  "rec vs old $o / new $w"
check "no underruns across the swap" "$(grep -c 'underruns 0 ' "$WORK/swap.log") == 1" "$(tail -1 "$WORK/swap.log")"

# Seeking from about 1.0 s to 4.0 s of the song while the vocals play: the
# recording continues without a gap into the audio from 4.0 s on.
record seek 3 --source vocals --seek 1.0:4.0
a=$(analyze "$WORK/rec-seek.wav" "$WORK/vocals.wav" 0.3 0.8)
b=$(analyze "$WORK/rec-seek.wav" "$WORK/vocals.wav" 4.3 4.8)
check "before the seek: the start of the vocals" "$(field corr "$a") > 0.99" "$a"
# Recording time of song time 4.0 s after the seek is lag_b; that of song
# time 0 before it is lag_a; the seek came between them.
check "after the seek: the vocals from 4 s on, within 0.3 s of the request" \
  "$(field corr "$b") > 0.99 && ($(field lag "$b") + 4.0 * 48000) - ($(field lag "$a") + 1.0 * 48000) < 0.3 * 48000" \
  "$b"
own=$("$DRIVER" steps "$WORK/vocals.wav" 0 6)
from=$(awk "BEGIN { print ($(field lag "$a") / 48000.0) + 0.1 }")
to=$(awk "BEGIN { print ($(field lag "$b") / 48000.0) + 5.6 }")
st=$("$DRIVER" steps "$WORK/rec-seek.wav" "$from" "$to")
check "no gap or jump across the seek" \
  "$(field zero_run "$st") < 3 && $(field maxstep "$st") <= 1.02 * $(field maxstep "$own") + 0.001" \
  "rec $st, vocals' own $own"

# The server goes away while playing: the player says so and the program
# goes on to a clean end.
timeout 30 "$DRIVER" play "$WORK" --device "$DEVICE" --seconds 4 >"$WORK/lost.log" 2>"$WORK/lost.err" &
lost_pid=$!
PIDS+=($lost_pid)
for _ in $(seq 100); do
  grep -q "^ready" "$WORK/lost.log" && break
  sleep 0.1
done
sleep 0.5
kill "$JACKD_PID"
wait "$JACKD_PID" 2>/dev/null
JACKD_PID=
for _ in $(seq 50); do
  grep -q "^device lost" "$WORK/lost.log" && break
  sleep 0.1
done
lost_line=$(grep "^device lost" "$WORK/lost.log")
wait $lost_pid
rc=$?
if [ -n "$lost_line" ] && [ $rc -eq 0 ]; then
  ok "server stopped mid-play: $lost_line"
else
  not_ok "server stopped mid-play is reported and the program ends cleanly" "rc=$rc" \
    "$(cat "$WORK/lost.log")"
fi

exit $failed
