#!/usr/bin/python3
"""Generates the audio-io test audio and sox reference fixtures (run with Debian's /usr/bin/python3).

Writes into audio/src/test/resources/audio-io/:
  speech_22050.wav   espeak-ng speech as espeak-ng writes it (22050 Hz mono s16)
  speech_16k.wav     the same, resampled by sox `rate -h` to 16 kHz s16
  noise_16k.wav      white noise, 16 kHz s16
  tones_44100_stereo.wav  two tones, one per channel, 44.1 kHz s16
  enc/<name>.wav     one short file per encoding/layout, written by sox (an independent writer;
                     sox writes WAVE_FORMAT_EXTENSIBLE for >2 channels or >16 bits)
  enc/<name>.f32     the expected mono decode: sox's own decode averaged over channels
                     (`remix -`), raw float32 little-endian
  roundtrip/source_16k.wav        speech + quiet noise at 16 kHz (s16), the round-trip source
  roundtrip/sox_48k_16k.wav       sox: 16 kHz -> 48 kHz -> 16 kHz, `rate -h`, float32
  roundtrip/sox_44100_16k.wav     sox: 16 kHz -> 44.1 kHz -> 16 kHz, `rate -h`, float32
  roundtrip.json     sidecar: tool versions, commands, the feature-error measure and sox's figures
Everything is deterministic for a given sox/espeak-ng/numpy; tests never run this script.
"""
import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "resources", "audio-io"))


def run(*args):
    subprocess.run(list(args), check=True)


def version(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
    return out.splitlines()[0] if out else "?"


def read_f32(path):
    return np.fromfile(path, dtype="<f4")


def decode_with_sox(wav, out_f32):
    run("sox", "-D", wav, "-t", "raw", "-e", "floating-point", "-b", "32", out_f32, "remix", "-")


def log_mel(x, sr=16000, n_fft=400, hop=160, n_mels=80):
    """The measure of the round-trip test (mirrored in RoundTripVersusSoxTest.java): frames of
    n_fft samples every hop, no padding, periodic Hann, power spectrum, 80 HTK mel filters without
    norm from 0 to sr/2, natural log of (mel energy + 1e-6)."""
    x = np.asarray(x, dtype=np.float64)
    n_frames = 1 + (len(x) - n_fft) // hop
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    frames = np.stack([x[i * hop : i * hop + n_fft] * win for i in range(n_frames)])
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    mel = lambda f: 2595 * np.log10(1 + f / 700)
    imel = lambda m: 700 * (10 ** (m / 2595) - 1)
    pts = imel(np.linspace(mel(0), mel(sr / 2), n_mels + 2))
    freqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    fb = np.zeros((n_mels, len(freqs)))
    for m in range(n_mels):
        lo, c, hi = pts[m], pts[m + 1], pts[m + 2]
        fb[m] = np.maximum(0, np.minimum((freqs - lo) / (c - lo), (hi - freqs) / (hi - c)))
    return np.log(power @ fb.T + 1e-6)


def main():
    os.makedirs(os.path.join(ROOT, "enc"), exist_ok=True)
    os.makedirs(os.path.join(ROOT, "roundtrip"), exist_ok=True)
    tmp = os.path.join(ROOT, "tmp.wav")
    p = lambda *a: os.path.join(ROOT, *a)

    text = "Stapes listens to the stream, chunk by chunk, and answers in time."
    run("espeak-ng", "-v", "en-us", "-s", "160", "-w", p("speech_22050.wav"), text)
    run("sox", "-D", p("speech_22050.wav"), "-r", "16000", "-b", "16", p("speech_16k.wav"), "rate", "-h")
    run("sox", "-D", "-R", "-n", "-r", "16000", "-b", "16", "-c", "1", p("noise_16k.wav"),
        "synth", "0.5", "whitenoise", "vol", "0.3")
    run("sox", "-D", "-R", "-n", "-r", "44100", "-b", "16", "-c", "2", p("tones_44100_stereo.wav"),
        "synth", "0.5", "sine", "440", "sine", "3000", "vol", "0.5")

    # One short file per encoding and layout.
    encodings = [
        ("u8_mono_8000", 8000, 1, ["-e", "unsigned", "-b", "8"]),
        ("s16_stereo_44100", 44100, 2, ["-e", "signed", "-b", "16"]),
        ("s24_mono_48000", 48000, 1, ["-e", "signed", "-b", "24"]),
        ("s24_3ch_96000", 96000, 3, ["-e", "signed", "-b", "24"]),
        ("s32_stereo_32000", 32000, 2, ["-e", "signed", "-b", "32"]),
        ("f32_stereo_22050", 22050, 2, ["-e", "floating-point", "-b", "32"]),
        ("f64_mono_11025", 11025, 1, ["-e", "floating-point", "-b", "64"]),
        ("s16_6ch_48000", 48000, 6, ["-e", "signed", "-b", "16"]),
        ("alaw_mono_8000", 8000, 1, ["-e", "a-law"]),
        ("ulaw_stereo_8000", 8000, 2, ["-e", "u-law"]),
    ]
    for name, rate, ch, enc in encodings:
        synth = ["sine", "440", "sine", "1300", "whitenoise", "sine", "97", "square", "50", "sine", "5000"][:ch]
        run("sox", "-D", "-R", "-n", "-r", str(rate), "-c", str(ch), *enc, p("enc", name + ".wav"),
            "synth", "0.1", *synth, "vol", "0.7")
        decode_with_sox(p("enc", name + ".wav"), p("enc", name + ".f32"))

    # Round trip: 16 kHz speech plus quiet white noise (content up to 8 kHz).
    run("sox", "-D", "-R", "-n", "-r", "16000", "-b", "16", "-c", "1", tmp, "synth", "2.0", "whitenoise", "vol", "0.01")
    run("sox", "-D", "-m", p("speech_16k.wav"), tmp, "-b", "16", p("roundtrip", "source_16k.wav"), "trim", "0", "2.0")
    os.remove(tmp)
    src = p("roundtrip", "source_16k.wav")
    figures = {}
    for mid in (48000, 44100):
        up = p("roundtrip", "up.wav")
        out = p("roundtrip", "sox_%d_16k.wav" % mid)
        run("sox", "-D", src, "-e", "floating-point", "-b", "32", "-r", str(mid), up, "rate", "-h")
        run("sox", "-D", up, "-e", "floating-point", "-b", "32", "-r", "16000", out, "rate", "-h")
        os.remove(up)
        a_raw, b_raw = p("roundtrip", "a.f32"), p("roundtrip", "b.f32")
        decode_with_sox(src, a_raw)
        decode_with_sox(out, b_raw)
        a, b = read_f32(a_raw), read_f32(b_raw)
        os.remove(a_raw)
        os.remove(b_raw)
        n = min(len(a), len(b))
        d = log_mel(a[:n]) - log_mel(b[:n])
        figures[str(mid)] = {
            "samples_in": int(len(a)),
            "samples_out": int(len(b)),
            "logmel_rms_error": float(np.sqrt(np.mean(d * d))),
            "logmel_max_abs_error": float(np.max(np.abs(d))),
            "waveform_rms_error": float(np.sqrt(np.mean((a[:n] - b[:n]) ** 2))),
        }

    sidecar = {
        "generator": "audio/src/test/python/make_audio_io_fixtures.py",
        "tools": {
            "sox": version(["sox", "--version"]),
            "espeak-ng": version(["espeak-ng", "--version"]),
            "numpy": np.__version__,
            "python": sys.version.split()[0],
        },
        "roundtrip": {
            "source": "roundtrip/source_16k.wav (espeak-ng speech + white noise at vol 0.01, 2.0 s, s16)",
            "sox_commands": [
                "sox -D source_16k.wav -e floating-point -b 32 -r MID up.wav rate -h",
                "sox -D up.wav -e floating-point -b 32 -r 16000 sox_MID_16k.wav rate -h",
            ],
            "measure": "log-mel of the source and of the round-trip output over their common length:"
            " frames of 400 samples every 160, no padding, periodic Hann, |rfft|^2, 80 HTK mel"
            " filters without norm from 0 to 8000 Hz, ln(mel + 1e-6); error = RMS and max abs of"
            " the difference over all frames and bins",
            "bound": "Stapes' round trip error (RMS and max) <= 2 x sox's",
            "sox_figures_numpy": figures,
        },
    }
    with open(p("roundtrip.json"), "w") as f:
        json.dump(sidecar, f, indent=2)
        f.write("\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
