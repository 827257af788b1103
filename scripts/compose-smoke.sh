#!/usr/bin/env bash
# Runs the compose deployment for real and checks it end to end (CTest label `compose`, outside the
# default set; about 20 minutes on 2 cores, most of it compiling the image):
#   1. installs docker.io, docker-compose and debootstrap if missing; starts dockerd if none runs
#      (--bridge=none --iptables=false: this machine allows no container network);
#   2. makes the Debian 12 base (scripts/docker-base.sh), builds the Reflexio image on it, and
#      PostgreSQL and Prometheus images from Debian's packages (deploy/local-images/);
#   3. brings deploy/docker-compose.yml up with deploy/compose.host-network.yml, waits until
#      `ps` shows api, worker and scheduler healthy;
#   4. creates an API key, uploads real speech, sees the worker container transcribe it, builds
#      today's digest, asks Prometheus whether it scraped the API;
#   5. checks every role's log is structured JSON holding no secret; tears everything down.
# Prints each step with its time; the summary's last line is what the README records.
#   scripts/compose-smoke.sh [--keep]    --keep: leave the stack up for a look (down -v later)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
keep=0
[[ "${1:-}" == "--keep" ]] && keep=1
[[ "${1:-}" == "--help" || "${1:-}" == "-h" ]] && { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
[[ $EUID -eq 0 ]] || { echo "compose-smoke: run as root (it installs packages and starts dockerd)" >&2; exit 1; }

started=$SECONDS
step_started=$SECONDS
timings=()
step() {  # step NAME: closes the previous step's timer and announces the next
  if [[ -n "${current_step:-}" ]]; then timings+=("$current_step $((SECONDS - step_started))s"); fi
  current_step="$1"
  step_started=$SECONDS
  echo "== compose-smoke: $1"
}
fail() { echo "compose-smoke: FAILED: $*" >&2; exit 1; }

work=$(mktemp -d /tmp/reflexio-compose-smoke.XXXXXX)
project=reflexio-smoke
dockerd_pid=""
compose=()
cleanup() {
  if ((keep == 0)) && ((${#compose[@]} > 0)); then
    "${compose[@]}" down -v --remove-orphans >"$work/down.log" 2>&1 || cat "$work/down.log" >&2
  fi
  if [[ -n "$dockerd_pid" ]] && ((keep == 0)); then kill "$dockerd_pid" 2>/dev/null; wait "$dockerd_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step "packages"
missing=()
for pkg in docker.io docker-compose debootstrap curl python3; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "docker engine"
if ! docker info >/dev/null 2>&1; then
  dockerd --bridge=none --iptables=false --ip6tables=false >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 "$work/dockerd.log" >&2; fail "dockerd did not start"; }
fi
for port in 5432 8000 9090; do
  ss -ltn "sport = :$port" 2>/dev/null | grep -q LISTEN && fail "port $port is taken; the host-network stack needs it"
done

step "base image"
scripts/docker-base.sh reflexio-base:debian12

step "images"
build=(docker build --network host --build-arg BASE_IMAGE=reflexio-base:debian12)
"${build[@]}" -f deploy/Dockerfile -t reflexio:smoke . >"$work/build-reflexio.log" 2>&1 ||
  { tail -40 "$work/build-reflexio.log" >&2; fail "the Reflexio image did not build"; }
"${build[@]}" -f deploy/local-images/postgres.Dockerfile -t reflexio-local/postgres:15 deploy/local-images \
  >"$work/build-postgres.log" 2>&1 || { tail -20 "$work/build-postgres.log" >&2; fail "the PostgreSQL image did not build"; }
"${build[@]}" -f deploy/local-images/prometheus.Dockerfile -t reflexio-local/prometheus deploy/local-images \
  >"$work/build-prometheus.log" 2>&1 || { tail -20 "$work/build-prometheus.log" >&2; fail "the Prometheus image did not build"; }
user=$(docker image inspect -f '{{.Config.User}}' reflexio:smoke)
[[ "$user" == "reflexio" ]] || fail "the image runs as '$user', not the unprivileged reflexio user"
docker image inspect -f '{{.Config.Healthcheck.Test}}' reflexio:smoke | grep -q /health || fail "the image has no /health check"
echo "image: $(docker image inspect -f '{{.Size}}' reflexio:smoke | numfmt --to=iec)"

step "up"
rand() { head -c 24 /dev/urandom | base64 | tr -d '/+=' ; }
env_file="$work/.env"
postgres_password=$(rand) server_password=$(rand) encryption_password=$(rand)
cat >"$env_file" <<ENV
POSTGRES_PASSWORD=$postgres_password
REFLEXIO_SERVER_DB_PASSWORD=$server_password
AUDIO_ENCRYPTION_PASSWORD=$encryption_password
AUDIO_ENCRYPTION_SALT=$(rand)
REFLEXIO_IMAGE=reflexio:smoke
POSTGRES_IMAGE=reflexio-local/postgres:15
PROMETHEUS_IMAGE=reflexio-local/prometheus
POSTGRES_HOST=127.0.0.1
PROMETHEUS_HOST=127.0.0.1
ENV
chmod 600 "$env_file"
compose=(docker-compose -p "$project" --env-file "$env_file" -f deploy/docker-compose.yml -f deploy/compose.host-network.yml)
"${compose[@]}" up -d >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; "${compose[@]}" logs --tail 40 >&2 || true; fail "up -d failed"; }

health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1" 2>/dev/null; }
container() { "${compose[@]}" ps -q "$1" | head -1; }
for _ in $(seq 180); do
  all=1
  for service in api worker scheduler; do [[ "$(health "$(container $service)")" == healthy ]] || all=0; done
  ((all)) && break
  sleep 2
done
"${compose[@]}" ps | tee "$work/ps.txt"
for service in api worker scheduler; do
  grep -E "^${project}_${service}_1 " "$work/ps.txt" | grep -q "(healthy)" ||
    { "${compose[@]}" logs --tail 60 "$service" >&2; fail "$service is not healthy in docker-compose ps"; }
done
[[ "$(docker inspect -f '{{.State.ExitCode}}' "$(container migrate)")" == 0 ]] || fail "migrate did not succeed"
"${compose[@]}" logs migrate | grep -q "applied and unchanged" || fail "migrate --verify did not report"

step "upload and transcribe"
key=$("${compose[@]}" exec -T api reflexio keys create --tenant smoke | tail -1)
[[ "$key" == rfx_* ]] || fail "keys create printed no key"
speech="$repo/../shared/data/speech/en/LJ001-0002.wav"
[[ -f "$speech" ]] || fail "no speech at $speech (../shared)"
id=$(curl -fsS -H "Authorization: Bearer $key" -H 'Content-Type: audio/wav' --data-binary @"$speech" \
       http://127.0.0.1:8000/v1/recordings | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
status=""
for _ in $(seq 120); do
  status=$(curl -fsS -H "Authorization: Bearer $key" "http://127.0.0.1:8000/v1/recordings/$id" |
           python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
  [[ "$status" == transcribed || "$status" == failed ]] && break
  sleep 1
done
[[ "$status" == transcribed ]] || fail "recording $id is $status"
transcript=$(curl -fsS -H "Authorization: Bearer $key" "http://127.0.0.1:8000/v1/recordings/$id/transcript")
python3 -c 'import json,sys; t=json.loads(sys.argv[1]); assert t["segments"], t' "$transcript" || fail "empty transcript"
"${compose[@]}" logs worker | grep "\"recording\":\"$id\"" | grep -q '"outcome":"done"' ||
  fail "the worker container's log has no finished job for $id"

step "digest"
digest=$(curl -fsS -X POST -H "Authorization: Bearer $key" http://127.0.0.1:8000/v1/digests/today/generate) ||
  fail "digest generation failed"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert "date" in d, d' "$digest" || fail "no digest: $digest"

step "prometheus"
up=""
for _ in $(seq 60); do
  up=$(curl -fsS 'http://127.0.0.1:9090/api/v1/query?query=up%7Bjob%3D%22api%22%7D' |
       python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")')
  [[ "$up" == 1 ]] && break
  sleep 2
done
[[ "$up" == 1 ]] || fail "Prometheus did not scrape the API (up=$up)"

step "logs"
for service in api worker scheduler; do
  # `logs` prefixes each line with "<container> | " and opens with an "Attaching to" line.
  "${compose[@]}" logs --no-color "$service" | grep ' | ' | sed 's/^[^|]*| //' >"$work/$service.log"
  python3 - "$work/$service.log" "$service" <<'PY' || fail "$service's log is not structured JSON"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert lines, "no log lines"
for line in lines:
    entry = json.loads(line)
    assert {"time", "level", "msg"} <= entry.keys(), line
print(f"{sys.argv[2]}: {len(lines)} JSON lines")
PY
  for secret in "$key" "$postgres_password" "$server_password" "$encryption_password"; do
    grep -qF "$secret" "$work/$service.log" && fail "$service's log holds a secret"
  done
done
grep -q '"msg":"request"' "$work/api.log" || fail "the API logged no request lines"

step "down"
"${compose[@]}" down -v --remove-orphans >"$work/down.log" 2>&1 || { cat "$work/down.log" >&2; fail "down failed"; }
compose=()
timings+=("$current_step $((SECONDS - step_started))s")
echo "compose-smoke: passed in $((SECONDS - started)) s on $(date -u +%F) at $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown): ${timings[*]}"
