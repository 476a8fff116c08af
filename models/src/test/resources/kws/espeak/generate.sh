#!/usr/bin/env bash
# Generates the synthetic keyword clips used by the KWS tests: each of KWT-1's ten keywords and
# five words outside its vocabulary, spoken by espeak-ng in four voices, as 16 kHz mono 16-bit WAV.
# Tools (pinned; the sidecar records them): espeak-ng 1.51, sox 14.4.2 (Debian packages). sox -D:
# no dither, so that the output is the same on every run.
# Run from this directory: ./generate.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
voices=(en-us en-gb-x-rp en+f3 en-us+m7)
keywords=(yes no up down left right on off stop go)
others=(hello seven house music bird)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
rm -f ./*.wav
for v in "${voices[@]}"; do
  for w in "${keywords[@]}" "${others[@]}"; do
    espeak-ng -v "$v" -s 150 -w "$tmp/raw.wav" "$w"
    # Trim leading/trailing silence below -50 dB, resample to 16 kHz, 16-bit.
    sox -D "$tmp/raw.wav" -r 16000 -b 16 -c 1 "${w}_${v//+/_}.wav" \
      silence 1 0.01 -50d reverse silence 1 0.01 -50d reverse
  done
done
json_list() { local out="" x; for x in "$@"; do out+="${out:+, }\"$x\""; done; echo "[$out]"; }
# A sequence at another rate and encoding for the command-line test: "left", "go", "yes" with
# pauses, 22.05 kHz, 24-bit, mono.
sox -D -n -r 16000 -b 16 -c 1 "$tmp/pause.wav" trim 0 0.6
sox -D "$tmp/pause.wav" left_en-us.wav "$tmp/pause.wav" go_en_f3.wav "$tmp/pause.wav" \
  yes_en-us_m7.wav "$tmp/pause.wav" -r 22050 -b 24 sequence_left_go_yes_22k_s24.wav
{
  echo '{'
  echo '  "generator": "generate.sh",'
  echo "  \"espeak_ng\": \"$(espeak-ng --version | sed -n 's/.*NG text-to-speech: \([0-9.]*\).*/\1/p')\","
  echo "  \"sox\": \"$(sox --version | sed -n 's/.*SoX v\([0-9.]*\).*/\1/p')\","
  echo '  "rate_hz": 16000, "format": "PCM s16le mono", "speed_wpm": 150,'
  echo "  \"voices\": $(json_list "${voices[@]}"),"
  echo "  \"keywords\": $(json_list "${keywords[@]}"),"
  echo "  \"other_words\": $(json_list "${others[@]}"),"
  echo '  "file_name": "<word>_<voice with + replaced by _>.wav",'
  echo '  "sequence": "sequence_left_go_yes_22k_s24.wav: 0.6 s pause, left (en-us), pause, go (en+f3), pause, yes (en-us+m7), pause; 22050 Hz, PCM s24le mono"'
  echo '}'
} > clips.json
