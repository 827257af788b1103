#!/usr/bin/env bash
# Installs the Debian 12 packages Reflexio needs. Idempotent: only missing packages are
# installed, and `apt-get update` runs only when something is missing.
#   scripts/install-deps.sh          build + run the server
#   scripts/install-deps.sh --test   also what the test suites need (ffmpeg CLI, promtool, pdftotext,
#                                    pocketsphinx_continuous for bench asr, clang for the
#                                    thread-safety analysis, systemd-analyze for the units,
#                                    Chromium for the web app's browser suites, a PulseAudio
#                                    daemon and paplay for the listener's capture test, the
#                                    wamerican word list for bench search --year)
# Works as root and as a user with sudo.
set -euo pipefail

runtime_and_build=(
  cmake g++ make pkg-config ca-certificates curl
  libboost-dev libboost-program-options-dev nlohmann-json3-dev libtomlplusplus-dev
  libsqlite3-dev libpqxx-dev libssl-dev libsodium-dev libstemmer-dev libarchive-dev rapidjson-dev libcurl4-openssl-dev libicu-dev
  libcairo2-dev libpango1.0-dev fonts-dejavu-core libopenblas-dev zlib1g-dev
  libavcodec-dev libavformat-dev libavutil-dev libswresample-dev
  libopus-dev libopusenc-dev libwebrtc-audio-processing-dev
  libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us alsa-utils libpulse-dev
  prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
test_only=(ffmpeg prometheus postgresql poppler-utils pocketsphinx clang python3 systemd chromium pulseaudio pulseaudio-utils wamerican)

wanted=("${runtime_and_build[@]}")
# The web app is bundled at build time (web/, esbuild from the npm registry), and the test peers
# and browser suites come from npm too; any Node.js 18 or later with npm will do, so Debian's is
# installed only when none is present.
command -v npm >/dev/null || wanted+=(nodejs npm)
if [[ "${1:-}" == "--test" ]]; then
  wanted+=("${test_only[@]}")
fi

missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#wanted[@]} packages present"
  exit 0
fi

as_root=()
if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  as_root=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
