#!/usr/bin/env bash
# What `reflexio listen` costs the machine it runs on: CPU (of one core) and resident memory,
# while the room is quiet and while speech is played into its input the whole time.
#
#   scripts/bench-listener.sh [SECONDS] [SPEECH_FILE] [pieces|stream]
#   (defaults: 60, LJ001-0001.wav of ../shared, pieces; `stream` runs `reflexio listen --stream`)
#
# It starts, all in a scratch directory and on loopback: a PulseAudio daemon of its own whose
# null sink's monitor is the default input (as the listener tests do), an embedded `reflexio
# serve` on a free port, and `reflexio listen` against it. It then reads the listener's CPU time
# and VmRSS from /proc for SECONDS while nothing plays, and for SECONDS while the speech file is
# played in a loop. Figures only; it passes or fails on nothing. Needs pulseaudio and
# pulseaudio-utils (scripts/install-deps.sh --test) and a build in build/.
set -euo pipefail

seconds="${1:-60}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
speech="${2:-$repo/../shared/data/speech/en/LJ001-0001.wav}"
mode="${3:-pieces}"
[[ "$mode" == pieces || "$mode" == stream ]] || { echo "bench-listener: the mode is pieces or stream, not $mode" >&2; exit 2; }
listen_args=(listen)
[[ "$mode" == stream ]] && listen_args+=(--stream)
binary="$repo/build/src/app/reflexio"
[[ -x "$binary" ]] || { echo "bench-listener: build first (scripts/build.sh)" >&2; exit 2; }
[[ -f "$speech" ]] || { echo "bench-listener: no speech file $speech" >&2; exit 2; }
command -v pulseaudio >/dev/null || { echo "bench-listener: needs pulseaudio (scripts/install-deps.sh --test)" >&2; exit 2; }

scratch="$(mktemp -d /tmp/reflexio-bench-listener.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

mkdir -p "$scratch/run" "$scratch/home"
cat >"$scratch/default.pa" <<EOF
load-module module-native-protocol-unix auth-anonymous=1 socket=$scratch/run/native
load-module module-null-sink sink_name=feed rate=16000 channels=1
set-default-source feed.monitor
EOF
HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/run" PULSE_RUNTIME_PATH="$scratch/run" \
  pulseaudio -n --file="$scratch/default.pa" --exit-idle-time=-1 --daemonize=no --use-pid-file=false \
  --log-target=file:"$scratch/pulse.log" &
pids+=($!)
export PULSE_SERVER="unix:$scratch/run/native"
for _ in $(seq 100); do [[ -S "$scratch/run/native" ]] && break; sleep 0.1; done

"$binary" serve --port 0 --data-dir "$scratch/data" >"$scratch/serve.out" 2>"$scratch/serve.err" &
pids+=($!)
for _ in $(seq 300); do cat "$scratch"/serve.* | grep -q "rfx_" && break; sleep 0.1; done
key="$(cat "$scratch"/serve.* | grep -o 'rfx_[A-Za-z0-9_-]\{43\}' | head -1)"
url="$(cat "$scratch"/serve.* | grep -o 'listening on http://127.0.0.1:[0-9]*' | head -1 | sed 's/^listening on //')"
[[ -n "$key" && -n "$url" ]] || { echo "bench-listener: the server did not start" >&2; cat "$scratch/serve.err" >&2; exit 1; }

HOME="$scratch/home" REFLEXIO_LISTEN_SERVER="$url" REFLEXIO_LISTEN_API_KEY="$key" \
  REFLEXIO_LISTEN_STATE_DIR="$scratch/listener" "$binary" "${listen_args[@]}" 2>"$scratch/listen.err" &
listener=$!
pids+=("$listener")
for _ in $(seq 200); do grep -q "listening to" "$scratch/listen.err" && break; sleep 0.1; done
sleep 3  # past its start-up

ticks="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$listener/stat"; }
rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$listener/status"; }
measure() {  # prints "cpu_percent rss_mb" over $seconds
  local before after
  before="$(cpu_ticks)"
  sleep "$seconds"
  after="$(cpu_ticks)"
  echo "$(awk -v d="$((after - before))" -v t="$ticks" -v s="$seconds" 'BEGIN {printf "%.2f", 100 * d / t / s}') $(rss_mb)"
}

read -r idle_cpu idle_rss <<<"$(measure)"
( while true; do paplay --device=feed "$speech" 2>/dev/null || exit 0; done ) &
player=$!
pids+=("$player")
read -r busy_cpu busy_rss <<<"$(measure)"
kill "$player" 2>/dev/null || true
sleep 3  # the last piece reaches the server
pieces="$(HOME="$scratch/home" REFLEXIO_LISTEN_STATE_DIR="$scratch/listener" "$binary" listen --status |
  awk -F': ' '/"pieces_made"/ {gsub(/,/, "", $2); print $2}')"

printf "reflexio %s, %s s each, %s cores\n" "${listen_args[*]}" "$seconds" "$(nproc)"
printf "%-34s %8s %8s\n" "state" "cpu_%" "rss_MB"
printf "%-34s %8s %8s\n" "idle (quiet input)" "$idle_cpu" "$idle_rss"
printf "%-34s %8s %8s\n" "capturing (speech the whole time)" "$busy_cpu" "$busy_rss"
printf "pieces of speech made (%s) meanwhile: %s\n" "$mode" "$pieces"
