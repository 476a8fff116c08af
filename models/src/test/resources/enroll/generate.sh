#!/usr/bin/env bash
# Generates the enrollment fixtures: three takes of "hey nova" and of "hey jarvis" by one espeak-ng
# voice (en-us, rate and pitch varied a little between takes, as a person's takes vary), each with
# 0.4 s of silence around it as a recording would have (enrollment trims it with Silero VAD), and a
# few clips for the tests: the word in two other voices, a near miss, and bad takes (clipped, too
# quiet, silence, too long).
# Tools (pinned; the sidecar records them): espeak-ng 1.51, sox 14.4.2 (Debian 12 packages). sox -D:
# no dither, so that the output is the same on every run.
# Run from this directory: ./generate.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
rm -f ./*.wav

say() { # say VOICE RATE PITCH TEXT OUT
  espeak-ng -v "$1" -s "$2" -p "$3" -w "$tmp/raw.wav" "$4"
  sox -D "$tmp/raw.wav" -r 16000 -b 16 -c 1 "$tmp/trim.wav" \
    silence 1 0.01 -50d reverse silence 1 0.01 -50d reverse
  sox -D "$tmp/trim.wav" "$5" pad 0.4 0.4
}

rates=(150 165 138)
pitches=(50 42 58)
for i in 0 1 2; do
  say en-us "${rates[$i]}" "${pitches[$i]}" "hey nova" "hey_nova_take$((i + 1)).wav"
  say en-us "${rates[$i]}" "${pitches[$i]}" "hey jarvis" "hey_jarvis_take$((i + 1)).wav"
done
say en-gb-x-rp 160 50 "hey nova" hey_nova_en-gb-x-rp.wav
say en+f3 145 60 "hey nova" hey_nova_en_f3.wav
say en-gb-x-rp 160 50 "hey jarvis" hey_jarvis_en-gb-x-rp.wav
say en+f3 145 60 "hey nova" hey_nova_en_f3.wav
say en-gb-x-rp 160 50 "hey nora" near_hey_nora_en-gb-x-rp.wav
say en+f3 145 60 "okay over" near_okay_over_en_f3.wav
# Bad takes: clipped (+20 dB gain, clipped by sox), too quiet (-45 dB), no speech, too long.
sox -D hey_nova_take1.wav bad_clipped.wav gain 20 2>/dev/null
sox -D hey_nova_take1.wav bad_quiet.wav gain -45
sox -D -n -r 16000 -b 16 -c 1 bad_silence.wav trim 0 1.5
espeak-ng -v en-us -s 150 -w "$tmp/raw.wav" \
  "this is a very long sentence and not a wake word at all, it goes on and on for many seconds"
sox -D "$tmp/raw.wav" -r 16000 -b 16 -c 1 bad_long.wav
{
  echo '{'
  echo '  "generator": "generate.sh",'
  echo "  \"espeak_ng\": \"$(espeak-ng --version | sed -n 's/.*NG text-to-speech: \([0-9.]*\).*/\1/p')\","
  echo "  \"sox\": \"$(sox --version | sed -n 's/.*SoX v\([0-9.]*\).*/\1/p')\","
  echo '  "rate_hz": 16000, "format": "PCM s16le mono", "padding_seconds": 0.4,'
  echo '  "takes": {"voice": "en-us", "rates_wpm": [150, 165, 138], "pitches": [50, 42, 58],'
  echo '            "files": "hey_nova_take{1,2,3}.wav, hey_jarvis_take{1,2,3}.wav"},'
  echo '  "other_voices": ["en-gb-x-rp rate 160 pitch 50", "en+f3 rate 145 pitch 60"],'
  echo '  "near_misses": ["hey nora (en-gb-x-rp)", "okay over (en+f3)"],'
  echo '  "bad_takes": {"bad_clipped.wav": "take 1 +20 dB, clipped", "bad_quiet.wav": "take 1 -45 dB",'
  echo '                "bad_silence.wav": "1.5 s digital silence", "bad_long.wav": "a sentence of several seconds"}'
  echo '}'
} > clips.json
