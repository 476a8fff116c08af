#!/usr/bin/env bash
# Generates the evaluation clips of the enrollment proof (docs/enroll.md) into DIR (default
# target/enroll-proof): "hey nova" and "hey jarvis" by eight espeak-ng voices that the enrollment
# takes (en-us, models/src/test/resources/enroll/) do not use, each at two rates and two pitches
# (32 clips per word), and near misses of each word by the same eight voices (40 clips per word).
# Tools (pinned; clips.json records them): espeak-ng 1.51, sox 14.4.2 (Debian 12). sox -D: no
# dither, so that the clips are the same on every run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../target/enroll-proof}"
mkdir -p "$out"
cd "$out"
rm -f ./*.wav
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
voices=(en-gb-x-rp en-gb-scotland en-029 en-us-nyc en+f3 en+f4 en+m3 en+m7)
rates=(130 175)
pitches=(35 70)
declare -A near=(
  [hey_nova]="hey_nora hey_noah hey_over bossa_nova hey_no_way"
  [hey_jarvis]="hey_travis hey_harvey hey_jar hey_jealous hey_service"
)
say() { # say VOICE RATE PITCH TEXT OUT
  espeak-ng -v "$1" -s "$2" -p "$3" -w "$tmp/raw.wav" "$4"
  sox -D "$tmp/raw.wav" -r 16000 -b 16 -c 1 "$5" \
    silence 1 0.01 -50d reverse silence 1 0.01 -50d reverse
}
for w in hey_nova hey_jarvis; do
  for v in "${voices[@]}"; do
    for r in "${rates[@]}"; do
      for p in "${pitches[@]}"; do
        say "$v" "$r" "$p" "${w//_/ }" "pos_${w}_${v//+/_}_s${r}_p${p}.wav"
      done
    done
    for n in ${near[$w]}; do
      say "$v" 150 50 "${n//_/ }" "near_${w}_${n}_${v//+/_}.wav"
    done
  done
  # the enrolled voice (en-us) at rates and pitches the takes do not use: the speaker lock's
  # acceptance
  for r in 128 145 158 178; do
    for p in 38 47 54 66; do
      say en-us "$r" "$p" "${w//_/ }" "same_${w}_en-us_s${r}_p${p}.wav"
    done
  done
done
{
  echo '{'
  echo '  "generator": "bench/enroll/generate-proof.sh",'
  echo "  \"espeak_ng\": \"$(espeak-ng --version | sed -n 's/.*NG text-to-speech: \([0-9.]*\).*/\1/p')\","
  echo "  \"sox\": \"$(sox --version | sed -n 's/.*SoX v\([0-9.]*\).*/\1/p')\","
  echo "  \"voices\": \"${voices[*]}\", \"rates_wpm\": \"${rates[*]}\", \"pitches\": \"${pitches[*]}\","
  echo "  \"near_hey_nova\": \"${near[hey_nova]}\", \"near_hey_jarvis\": \"${near[hey_jarvis]}\","
  echo '  "same_voice": "en-us, rates 128 145 158 178 x pitches 38 47 54 66 (16 per word)",'
  echo '  "file_name": "pos_<word>_<voice>_s<rate>_p<pitch>.wav, near_<word>_<phrase>_<voice>.wav (trimmed, 16 kHz s16 mono)"'
  echo '}'
} > clips.json
echo "$(ls "$out"/*.wav | wc -l) clips in $out"
