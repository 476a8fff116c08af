#!/usr/bin/python3
"""Makes the synthetic speech fixtures of the models module with espeak-ng and sox.

Outputs (all 16-bit PCM mono WAV):
  models/src/test/resources/speech/vad_sentences_16k.wav, _8k.wav and speech/vad_sentences.json:
      three sentences separated by known digital silences; the JSON gives the sample-exact span
      of each sentence (first to last sample whose magnitude exceeds 0.005 full scale).
  models/src/test/resources/wakeword/*.wav and wakeword/clips.json:
      wake phrases (positives) and near misses, one phrase per clip, with the expected label.
  models/src/main/resources/dev/stapes/models/sample/sample.wav and sample.json:
      the bundled sample of `./stapes run`: synthetic speech, then the real "hey mycroft" clip of
      ../shared/corpus/hey_mycroft_test.wav (openWakeWord test data, Apache-2.0), then more speech.

Run from the project root: /usr/bin/python3 models/src/test/python/make_speech_fixtures.py
Tools: espeak-ng 1.51, SoX 14.4.2, numpy 1.24 (versions written into the JSON sidecars).
"""
import json
import os
import subprocess
import tempfile
import wave

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
TEST_RES = os.path.join(ROOT, "models", "src", "test", "resources")
MAIN_RES = os.path.join(ROOT, "models", "src", "main", "resources", "dev", "stapes", "models", "sample")
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
RATE = 16000
TRIM_LEVEL = 0.005


def tool_versions():
    espeak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.split()
    sox = subprocess.run(["sox", "--version"], capture_output=True, text=True).stdout.split()
    return {
        "espeak-ng": espeak[3] if len(espeak) > 3 else "?",
        "sox": sox[-1].lstrip("v") if sox else "?",
        "numpy": np.__version__,
    }


def speak(text, voice, speed, rate=RATE):
    """espeak-ng -> sox (resample to `rate`, mono, 16 bit) -> float array in [-1, 1]."""
    with tempfile.TemporaryDirectory() as d:
        raw = os.path.join(d, "raw.wav")
        out = os.path.join(d, "out.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", raw, text], check=True)
        subprocess.run(["sox", raw, "-r", str(rate), "-c", "1", "-b", "16", out], check=True)
        return read_wav(out)


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1, path
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return data.astype(np.float32) / 32768.0, w.getframerate()


def write_wav(path, x, rate):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pcm = np.clip(np.round(x * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def trim(x):
    idx = np.nonzero(np.abs(x) > TRIM_LEVEL)[0]
    return x[idx[0] : idx[-1] + 1]


def vad_fixture(versions):
    sentences = [
        ("The quick brown fox jumps over the lazy dog", "en-us", 150),
        ("Now audio arrives one small chunk at a time", "en-gb", 140),
        ("Please turn the kitchen lights off", "en-us", 160),
    ]
    silences = [0.8, 1.2, 0.6, 1.0]  # before, between, between, after (seconds)
    parts, spans, pos = [], [], 0
    for i, (text, voice, speed) in enumerate(sentences):
        gap = np.zeros(int(silences[i] * RATE), dtype=np.float32)
        parts.append(gap)
        pos += len(gap)
        utt = trim(speak(text, voice, speed)[0])
        parts.append(utt)
        spans.append({"start_sample": pos, "end_sample": pos + len(utt), "text": text})
        pos += len(utt)
    parts.append(np.zeros(int(silences[-1] * RATE), dtype=np.float32))
    x = np.concatenate(parts)
    out = os.path.join(TEST_RES, "speech")
    write_wav(os.path.join(out, "vad_sentences_16k.wav"), x, RATE)
    # the 8 kHz copy: sox's resampler (the spans in seconds are unchanged)
    subprocess.run(
        ["sox", os.path.join(out, "vad_sentences_16k.wav"), "-r", "8000",
         os.path.join(out, "vad_sentences_8k.wav")], check=True)
    meta = {
        "description": "three espeak-ng sentences separated by digital silence; spans are where"
        " the trimmed sentence lies (|x| > %g full scale at both ends)" % TRIM_LEVEL,
        "sample_rate": RATE,
        "samples": int(len(x)),
        "spans": [
            {**s, "start": s["start_sample"] / RATE, "end": s["end_sample"] / RATE} for s in spans
        ],
        "tolerance_s": 0.1,
        "tools": versions,
        "generator": "models/src/test/python/make_speech_fixtures.py",
    }
    with open(os.path.join(out, "vad_sentences.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


# (keyword the clip is about, expected: "positive" or "near_miss", text, voice, speed)
WAKEWORD_CLIPS = [
    ("alexa", "positive", "alexa", "en-us", 160),
    ("alexa", "positive", "alexa", "en-gb", 130),
    ("alexa", "positive", "alexa", "en", 160),
    ("hey_jarvis", "positive", "hey jarvis", "en-us", 130),
    ("hey_jarvis", "positive", "hey jarvis", "en-gb", 160),
    ("hey_jarvis", "positive", "hey jarvis", "en", 130),
    # espeak-ng reads "mycroft" as "mick-roft"; "my croft" gives the intended sound
    ("hey_mycroft", "positive", "hey my croft", "en-us", 160),
    ("hey_mycroft", "positive", "hey my croft", "en-gb", 130),
    ("hey_mycroft", "positive", "hey my croft", "en", 160),
    ("alexa", "near_miss", "alexander", "en-us", 160),
    ("alexa", "near_miss", "electra", "en-gb", 160),
    ("hey_jarvis", "near_miss", "hey marvin", "en-us", 160),
    ("hey_jarvis", "near_miss", "hey marvin", "en-gb", 130),
    ("hey_mycroft", "near_miss", "hey mycroft", "en-us", 160),  # "hey mick-roft"
    ("hey_mycroft", "near_miss", "hey mycroft", "en-gb", 130),
]


def wakeword_fixture(versions):
    out = os.path.join(TEST_RES, "wakeword")
    clips = []
    for keyword, kind, text, voice, speed in WAKEWORD_CLIPS:
        name = "%s_%s_%s_%s_%d.wav" % (kind, keyword, text.replace(" ", "-"), voice, speed)
        x = trim(speak(text, voice, speed)[0])
        write_wav(os.path.join(out, name), x, RATE)
        clips.append({"file": name, "keyword": keyword, "expected": kind, "text": text,
                      "voice": voice, "speed_wpm": speed})
    meta = {
        "description": "espeak-ng wake phrases (positives) and near misses; the tests pad each"
        " clip with 1.5 s of silence on both sides",
        "sample_rate": RATE,
        "clips": clips,
        "tools": versions,
        "generator": "models/src/test/python/make_speech_fixtures.py",
    }
    with open(os.path.join(out, "clips.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


def sample_fixture(versions):
    mycroft, rate = read_wav(os.path.join(CORPUS, "hey_mycroft_test.wav"))
    assert rate == RATE
    one = trim(speak("Good morning. This is a recording for the Stapes streaming demo", "en-us", 150)[0])
    two = trim(speak("What is the weather like today", "en-gb", 150)[0])
    z = lambda s: np.zeros(int(s * RATE), dtype=np.float32)
    parts = [z(0.5), one, z(1.0), mycroft, z(0.3), two, z(1.0)]
    starts = np.cumsum([0] + [len(p) for p in parts])
    x = np.concatenate(parts)
    write_wav(os.path.join(MAIN_RES, "sample.wav"), x, RATE)
    meta = {
        "description": "bundled sample for ./stapes run: synthetic speech (espeak-ng), the real"
        " 'hey mycroft' clip, more synthetic speech",
        "sample_rate": RATE,
        "samples": int(len(x)),
        "wake_phrase": {"keyword": "hey_mycroft", "start": float(starts[3] / RATE),
                        "end": float(starts[4] / RATE),
                        "source": "dscripka/openWakeWord test clip hey_mycroft_test.wav (Apache-2.0),"
                                  " via ../shared/corpus"},
        "tools": versions,
        "generator": "models/src/test/python/make_speech_fixtures.py",
    }
    with open(os.path.join(MAIN_RES, "sample.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    v = tool_versions()
    vad_fixture(v)
    wakeword_fixture(v)
    sample_fixture(v)
    print("ok", v)
