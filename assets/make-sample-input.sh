#!/usr/bin/env bash
# Makes the sample input the worker loops: a synthetic test pattern (testsrc has a running frame
# counter, so continuity and frame alignment are visible without a font) plus a 1 kHz tone.
# Made locally with ffmpeg lavfi, never downloaded.
#
# The worker loops a whole number of segments, so the sample is exact: SECONDS x FPS frames on a
# regular grid starting at 0, with audio of the same length (checked below with ffprobe). Pick
# SECONDS as a multiple of SEGMENT_DURATION (30 suits 1, 2, 3, 5, 6 and 10 s segments); the worker
# cuts any other length to its last whole segment. AAC pads its last frame to 1024 samples (30 s is
# 1406.25 frames at 48 kHz), so the worker never loops the AAC itself: it renders the audio once to
# exactly the loop's length of PCM.
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
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "make-sample-input: SECONDS must be a whole number from 1, got '$seconds'" >&2; exit 1; }
[[ "$size" =~ ^[0-9]+x[0-9]+$ ]] || { echo "make-sample-input: size must be WIDTHxHEIGHT, got '$size'" >&2; exit 1; }
[[ "$fps" =~ ^[1-9][0-9]*$ ]] || { echo "make-sample-input: FPS must be a whole number from 1, got '$fps'" >&2; exit 1; }

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

# the container must say what the worker will rely on: exact frame count, audio as long as video
ffprobe_bin="${FFPROBE_PATH:-ffprobe}"
if command -v "$ffprobe_bin" >/dev/null 2>&1; then
  frames="$("$ffprobe_bin" -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$tmp")"
  vdur="$("$ffprobe_bin" -v error -select_streams v:0 -show_entries stream=duration -of csv=p=0 "$tmp")"
  adur="$("$ffprobe_bin" -v error -select_streams a:0 -show_entries stream=duration -of csv=p=0 "$tmp")"
  if [[ "$frames" != "$((seconds * fps))" || "$vdur" != "$adur" ]]; then
    echo "make-sample-input: expected $((seconds * fps)) frames and equal durations, got ${frames} frames, video ${vdur} s, audio ${adur} s" >&2
    exit 1
  fi
fi
mv -f "$tmp" "$out"
trap - EXIT
echo "make-sample-input: wrote $out (${seconds}s, ${size}, ${fps} fps)"
