#!/usr/bin/env python3
"""Makes the clean speech clip for the enhancement SNR test: two sentences from espeak-ng (two
voices), resampled to 16 kHz mono 16-bit with sox, plus a JSON sidecar with the tool versions.
The noisy mixtures are made by the Java test itself (seeded coloured noise at several SNRs).

Usage: make_clean_speech.py OUT_DIR     (Debian: espeak-ng 1.51, SoX 14.4.2, python3)
"""
import json
import os
import subprocess
import sys
import tempfile
import wave

SENTENCES = [
    ("en-us", "The quick brown fox jumps over the lazy dog."),
    ("en-us+f3", "Please call Stella and ask her to come."),
]


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, "clean_speech_16k.wav")
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for i, (voice, text) in enumerate(SENTENCES):
            raw = os.path.join(tmp, f"s{i}.wav")
            run(["espeak-ng", "-v", voice, "-s", "155", "-w", raw, text])
            parts.append(raw)
        # 0.25 s of silence at both ends and between the sentences
        run(["sox", parts[0], "-r", "16000", "-c", "1", "-b", "16", os.path.join(tmp, "a.wav"),
             "pad", "0.25", "0.25"])
        run(["sox", parts[1], "-r", "16000", "-c", "1", "-b", "16", os.path.join(tmp, "b.wav"),
             "pad", "0", "0.25"])
        run(["sox", os.path.join(tmp, "a.wav"), os.path.join(tmp, "b.wav"), out, "gain", "-n", "-3"])
    with wave.open(out) as w:
        frames, rate = w.getnframes(), w.getframerate()
    sidecar = {
        "file": "clean_speech_16k.wav",
        "sample_rate": rate,
        "samples": frames,
        "format": "PCM 16-bit mono",
        "sentences": [{"voice": v, "text": t} for v, t in SENTENCES],
        "espeak_ng_speed_wpm": 155,
        "normalised_peak_dbfs": -3,
        "tools": {
            "espeak-ng": run(["espeak-ng", "--version"]).split()[3],
            "sox": run(["sox", "--version"]).strip().split()[-1],
        },
        "script": "models/src/test/python/make_clean_speech.py",
    }
    with open(out + ".json", "w") as f:
        json.dump(sidecar, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
