#!/usr/bin/python3
"""Generates the audio module's test audio and torchaudio reference features (parity fixtures).

Run with Debian's python3 (torch 1.13, torchaudio 0.13, numpy 1.24; espeak-ng and sox on PATH),
from the project root:

    /usr/bin/python3 audio/src/test/python/make_fixtures.py

Writes audio/src/test/resources/audio/*.wav (the project's own test signals: espeak-ng speech,
tones, noise; 16 kHz mono 16-bit) and audio/src/test/resources/fixtures/*.npy (float32
[frames, bins]) each with a JSON sidecar, plus index.tsv which the Java parity test reads.
Real recordings are read from ../shared/corpus (see its SOURCES.md); only features are written.

References (independent implementations):
  kaldi-fbank: torchaudio.compliance.kaldi.fbank on int16-scaled samples, dither 0.
  whisper:     openai/whisper audio.py log_mel_spectrogram (MIT), restated below with torch.stft
               and torchaudio's Slaney mel filters (whisper ships librosa's, which these equal),
               without padding to 30 s.
  htk-mel:     torchaudio.transforms.MelSpectrogram, then log(m + 1e-6).
  mfcc:        torchaudio.transforms.MFCC (top_db 80, DCT-II ortho).
  stft:        torch.stft / torch.istft.

References are computed in float64 (torch's default dtype set to float64, float64 input), so that
the reference's own float32 rounding does not enter the comparison; each sidecar also records how
far torchaudio's float32 result lies from that reference ("torchaudio_float32_max_abs"), which is
the scale of error any float32 implementation has.
"""
import json
import os
import platform
import subprocess
import sys
import tempfile
import wave

import numpy as np
import torch
import torchaudio
import torchaudio.compliance.kaldi as kaldi
import torchaudio.transforms as T

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
AUDIO = os.path.join(ROOT, "audio", "src", "test", "resources", "audio")
FIX = os.path.join(ROOT, "audio", "src", "test", "resources", "fixtures")
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
SR = 16000


def tool_versions():
    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0].strip()
        except Exception as e:  # noqa: BLE001
            return "unavailable: %s" % e

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchaudio": torchaudio.__version__,
        "numpy": np.__version__,
        "espeak-ng": first_line(["espeak-ng", "--version"]),
        "sox": first_line(["sox", "--version"]),
    }


def write_wav16(path, x):
    q = np.clip(np.round(x * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(q.tobytes())


def read_wav16(path):
    with wave.open(path, "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == SR, path
        q = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return q.astype(np.float32) / 32768.0


def make_audio():
    os.makedirs(AUDIO, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "speech.wav")
        subprocess.run(
            ["espeak-ng", "-v", "en-us", "-s", "160", "-w", raw,
             "Stapes turns live audio into features, chunk by chunk."],
            check=True)
        out = os.path.join(AUDIO, "speech_16k.wav")
        # 0.2 s of digital silence before and after: the global floors of whisper and mfcc bite
        subprocess.run(["sox", raw, "-r", str(SR), "-b", "16", "-c", "1", out,
                        "pad", "0.2", "0.2"], check=True)
    t = np.arange(SR, dtype=np.float64) / SR
    tones = 0.4 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 3000 * t + 0.3) \
        + 0.1 * np.sin(2 * np.pi * 7900 * t)
    write_wav16(os.path.join(AUDIO, "tones_16k.wav"), tones)
    rng = np.random.default_rng(20261127)
    noise = 0.3 * rng.standard_normal(SR // 2 + 123)
    write_wav16(os.path.join(AUDIO, "noise_16k.wav"), np.clip(noise, -1, 1))


def whisper_log_mel(x, n_mels=80):
    audio = torch.from_numpy(x).to(torch.get_default_dtype())
    window = torch.hann_window(400)
    stft = torch.stft(audio, 400, 160, window=window, return_complex=True)
    magnitudes = stft[..., :-1].abs() ** 2
    filters = torchaudio.functional.melscale_fbanks(
        201, 0.0, 8000.0, n_mels, SR, norm="slaney", mel_scale="slaney").T
    mel_spec = filters @ magnitudes
    log_spec = torch.clamp(mel_spec, min=1e-10).log10()
    log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
    log_spec = (log_spec + 4.0) / 4.0
    return log_spec.T.numpy()


def kaldi_fbank(x, snip_edges=True):
    w = torch.from_numpy(x * 32768.0).unsqueeze(0).to(torch.get_default_dtype())
    return kaldi.fbank(w, num_mel_bins=80, dither=0.0, sample_frequency=SR,
                       snip_edges=snip_edges).numpy()


def htk_mel(x):
    t = T.MelSpectrogram(sample_rate=SR, n_fft=512, win_length=400, hop_length=160, f_min=0.0,
                         f_max=8000.0, n_mels=40, power=2.0, norm=None, mel_scale="htk",
                         center=True, pad_mode="reflect")
    return torch.log(t(torch.from_numpy(x).to(torch.get_default_dtype())) + 1e-6).T.numpy()


def mfcc(x):
    t = T.MFCC(sample_rate=SR, n_mfcc=13, dct_type=2, norm="ortho", log_mels=False,
               melkwargs=dict(n_fft=400, hop_length=160, n_mels=40, f_min=0.0, f_max=8000.0,
                              mel_scale="htk", center=True, pad_mode="reflect", power=2.0))
    return t(torch.from_numpy(x).to(torch.get_default_dtype())).T.numpy()


REFS = {
    "kaldi-fbank": ("torchaudio.compliance.kaldi.fbank(x*32768, num_mel_bins=80, dither=0.0,"
                    " sample_frequency=16000, snip_edges={snip})", 1e-3),
    "whisper": ("whisper log_mel_spectrogram restated: torch.stft(400, 160, hann), |.|^2, drop"
                " last frame, melscale_fbanks(slaney, slaney, 80, 0-8000), log10 clamp 1e-10,"
                " max-8 floor, (x+4)/4", 1e-3),
    "htk-mel": ("log(torchaudio.transforms.MelSpectrogram(n_fft=512, win_length=400,"
                " hop_length=160, n_mels=40, f_max=8000, mel_scale=htk, norm=None)(x) + 1e-6)", 1e-3),
    "mfcc": ("torchaudio.transforms.MFCC(n_mfcc=13, norm=ortho, melkwargs(n_fft=400,"
             " hop_length=160, n_mels=40, f_max=8000, htk))(x)", 1e-2),
}


def main():
    # The test signals are committed; regenerate them only when missing or asked to
    # (--audio), so that fixtures stay tied to the committed WAVs.
    if "--audio" in sys.argv or not os.path.exists(os.path.join(AUDIO, "noise_16k.wav")):
        make_audio()
    os.makedirs(FIX, exist_ok=True)
    tools = tool_versions()
    inputs = [
        ("speech", "audio/speech_16k.wav", None, read_wav16(os.path.join(AUDIO, "speech_16k.wav"))),
        ("tones", "audio/tones_16k.wav", None, read_wav16(os.path.join(AUDIO, "tones_16k.wav"))),
        ("noise", "audio/noise_16k.wav", None, read_wav16(os.path.join(AUDIO, "noise_16k.wav"))),
    ]
    for name, samples in (("yes", None), ("jfk", 3 * SR)):
        path = os.path.join(CORPUS, "yes_1000ms.wav" if name == "yes" else "jfk_16k.wav")
        x = read_wav16(path)
        if samples is not None:
            x = x[:samples]
        inputs.append((name, "corpus:" + os.path.basename(path), samples, x))

    rows = []
    for name, src, samples, x in inputs:
        cases = [("kaldi-fbank", {}, lambda: kaldi_fbank(x)), ("whisper", {}, lambda: whisper_log_mel(x)),
                 ("htk-mel", {}, lambda: htk_mel(x)), ("mfcc", {}, lambda: mfcc(x))]
        if name == "speech":
            cases.append(("kaldi-fbank", {"snip-edges": "false"},
                          lambda: kaldi_fbank(x, snip_edges=False)))
        for preset, overrides, fn in cases:
            feats32 = fn()
            torch.set_default_dtype(torch.float64)
            try:
                feats = fn()
            finally:
                torch.set_default_dtype(torch.float32)
            f32err = float(np.abs(feats32.astype(np.float64) - feats).max())
            feats = np.ascontiguousarray(feats, dtype="<f4")
            fid = name + "_" + preset + "".join("_%s-%s" % kv for kv in overrides.items())
            np.save(os.path.join(FIX, fid + ".npy"), feats)
            ref, tol = REFS[preset]
            side = {
                "fixture": fid + ".npy",
                "input": src,
                "input_samples": samples if samples is not None else int(len(x)),
                "input_scale": "int16 / 32768 (float in [-1, 1])",
                "preset": preset,
                "overrides": overrides,
                "reference": ref.format(snip=overrides.get("snip-edges", "true")),
                "shape": list(feats.shape),
                "layout": "[frames, bins], float32 little-endian",
                "reference_dtype": "float64 (stored as float32)",
                "torchaudio_float32_max_abs": f32err,
                "tolerance_max_abs": tol,
                "tools": tools,
            }
            with open(os.path.join(FIX, fid + ".json"), "w") as f:
                json.dump(side, f, indent=2)
                f.write("\n")
            ov = ";".join("%s=%s" % kv for kv in overrides.items()) or "-"
            rows.append("\t".join([fid, src, str(side["input_samples"]), preset, ov, repr(tol)]))

    # STFT / iSTFT reference: GTCRN's transform on noise, [frames, bins, 2] (re, im)
    x = read_wav16(os.path.join(AUDIO, "noise_16k.wav"))[: SR // 4]
    win = torch.hann_window(512).sqrt()
    spec = torch.stft(torch.from_numpy(x), 512, 256, window=win, center=True, pad_mode="reflect",
                      return_complex=True)
    spec_np = np.ascontiguousarray(torch.view_as_real(spec.T).numpy(), dtype="<f4")
    np.save(os.path.join(FIX, "noise_stft_gtcrn.npy"), spec_np)
    y = torch.istft(spec, 512, 256, window=win, center=True, length=len(x)).numpy()
    np.save(os.path.join(FIX, "noise_istft_gtcrn.npy"), np.ascontiguousarray(y, dtype="<f4"))
    with open(os.path.join(FIX, "noise_stft_gtcrn.json"), "w") as f:
        json.dump({
            "fixture": ["noise_stft_gtcrn.npy", "noise_istft_gtcrn.npy"],
            "input": "audio/noise_16k.wav", "input_samples": SR // 4,
            "reference": "torch.stft(x, 512, 256, window=hann_window(512).sqrt(), center=True,"
                         " pad_mode=reflect) as [frames, bins, 2]; torch.istft(..., length=n)",
            "shape": list(spec_np.shape), "tolerance_max_abs": 1e-4, "tools": tools,
        }, f, indent=2)
        f.write("\n")
    with open(os.path.join(FIX, "index.tsv"), "w") as f:
        f.write("# fixture\tinput\tsamples\tpreset\toverrides\ttolerance (generated by"
                " audio/src/test/python/make_fixtures.py)\n")
        f.write("\n".join(rows) + "\n")
    print("wrote %d feature fixtures to %s" % (len(rows), FIX), file=sys.stderr)


if __name__ == "__main__":
    main()
