#!/usr/bin/env bash
# Makes the sample input the worker loops: a synthetic test pattern (testsrc has a running frame
# counter, so continuity and frame alignment are visible without a font) plus a 1 kHz tone.
# Made locally with ffmpeg lavfi, never downloaded.
#
# usage: bash assets/make-sample-input.sh OUTPUT.mp4 [SECONDS=30] [WIDTHxHEIGHT=1280x720] [FPS=30]
set -euo pipefail

out="${1:?usage: make-sample-input.sh OUTPUT.mp4 [SECONDS] [WIDTHxHEIGHT] [FPS]}"
seconds="${2:-30}"
size="${3:-1280x720}"
fps="${4:-30}"
ffmpeg_bin="${FFMPEG_PATH:-ffmpeg}"

if ! command -v "$ffmpeg_bin" >/dev/null 2>&1; then
  echo "make-sample-input: ffmpeg not found (FFMPEG_PATH=${ffmpeg_bin}); install ffmpeg" >&2
  exit 1
fi
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "make-sample-input: SECONDS must be a whole number, got '$seconds'" >&2; exit 1; }
[[ "$size" =~ ^[0-9]+x[0-9]+$ ]] || { echo "make-sample-input: size must be WIDTHxHEIGHT, got '$size'" >&2; exit 1; }
[[ "$fps" =~ ^[0-9]+$ ]] || { echo "make-sample-input: FPS must be a whole number, got '$fps'" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
tmp="${out%.mp4}.partial.mp4"
trap 'rm -f "$tmp"' EXIT

# a keyframe every second keeps -ss seeks into the loop cheap and exact enough; written to a
# temporary name and renamed so a half-made file is never taken for the real one
"$ffmpeg_bin" -hide_banner -loglevel error -nostdin -y \
  -f lavfi -i "testsrc=size=${size}:rate=${fps}:duration=${seconds}" \
  -f lavfi -i "sine=frequency=1000:sample_rate=48000:beep_factor=4:duration=${seconds}" \
  -map 0:v -map 1:a \
  -c:v libx264 -preset ultrafast -profile:v main -pix_fmt yuv420p -crf 23 -g "$fps" -keyint_min "$fps" -sc_threshold 0 \
  -c:a aac -b:a 128k -ac 2 \
  -movflags +faststart -shortest \
  "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
echo "make-sample-input: wrote $out (${seconds}s, ${size}, ${fps} fps)"
