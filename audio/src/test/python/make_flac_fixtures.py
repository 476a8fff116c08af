#!/usr/bin/python3
"""Generates the FLAC decoder fixtures (run with Debian's /usr/bin/python3 and Debian's `flac`).

Writes into audio/src/test/resources/flac/:
  <name>.flac      encoded by the reference encoder `flac` (one file per bit depth, compression
                   level, block size, channel count, sample rate, and special case below)
  <name>.ref.wav   the same file decoded by the reference decoder, `flac -d` (WAV; for 12 and
                   20 bits WAVE_FORMAT_EXTENSIBLE with the samples left-justified in 16/24-bit
                   containers, as flac writes them)
  flac.json        sidecar: tool versions, and per fixture the parameters, the exact command,
                   what `flac -a` (the reference analyser) found in it (subframe types, channel
                   assignments, residual coding, wasted bits, escaped partitions) and the SHA-256
                   of the reference decode's samples
Special cases:
  varblock_*       a variable block-size stream: segments of awkward lengths (4096, 1152, 5, ...)
                   are each encoded by flac as one frame, then spliced into one stream with the
                   blocking-strategy bit set and sample numbers in the frame headers (CRC-8 and
                   CRC-16 recomputed here, STREAMINFO rebuilt with the MD5 of the audio); the
                   reference is still `flac -d`, which also checks that MD5
  id3_*            an ID3v2 tag (as taggers prepend one) before the stream marker
  librispeech_*    the first seconds of a real LibriSpeech recording from ../shared/corpus
The signal is speech from ../shared/corpus (jfk_16k.wav) scaled to each depth plus a little
deterministic noise, so that every low bit is live, except where a case wants wasted bits, a
silent channel or incompressible noise. Everything is deterministic for a given flac; tests
never run this script.
"""
import hashlib
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "resources", "flac"))
CORPUS = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", "..", "shared", "corpus"))
LIBRISPEECH = "103-1240-0000.wav"


def run(args):
    subprocess.run(args, check=True)


def version(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    return (out.stdout or out.stderr).strip().splitlines()[0]


def read_wav_mono16(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1, path
        data = w.readframes(w.getnframes())
    return list(struct.unpack("<%dh" % (len(data) // 2), data)), w.getframerate()


SPEECH, _ = read_wav_mono16(os.path.join(CORPUS, "jfk_16k.wav"))


def signal(n, channels, bps, seed, wasted=0, silent_channel=None, noise=False, double=None):
    """Interleaved integer samples of `bps` bits. double=0 or 1: that channel of a stereo pair
    is twice the other (plus its own noise), which makes flac choose left/side (double=1) or
    right/side (double=0) coding."""
    rnd = random.Random(seed)
    top = (1 << (bps - 1)) - 1
    out = []
    start = 20000 + 977 * seed
    for i in range(n):
        for c in range(channels):
            if c == silent_channel:
                out.append(0)
                continue
            if noise:
                v = rnd.randint(-top - 1, top)
            else:
                s = SPEECH[(start + i + 37 * c) % len(SPEECH)] / 32768.0
                # speech at -3 dB of full scale, a little noise in the low bits
                gain = 0.7 * (1 - 0.1 * c)
                if double is not None:
                    s = SPEECH[(start + i) % len(SPEECH)] / 32768.0
                    gain = 0.7 if c == double else 0.35
                v = int(round(s * gain * top)) + rnd.randint(-1, 1)
                v = max(-top - 1, min(top, v))
            if wasted:
                v = (v >> wasted) << wasted
            out.append(v)
    return out


def write_wav(path, samples, channels, rate, bps):
    """WAV as flac reads it: PCM for 8/16/24/32 bits, WAVE_FORMAT_EXTENSIBLE with left-justified
    samples for other depths. 8-bit WAV is unsigned."""
    cont = (bps + 7) // 8
    shift = 8 * cont - bps
    body = bytearray()
    for v in samples:
        if cont == 1:
            body.append(((v << shift) + 128) & 0xFF)
        else:
            body += ((v << shift) & ((1 << (8 * cont)) - 1)).to_bytes(cont, "little")
    if shift == 0 and channels <= 2 and bps <= 16:
        fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * cont, channels * cont, 8 * cont)
    else:
        guid = bytes.fromhex("0100000000001000800000aa00389b71")
        fmt = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * channels * cont,
                          channels * cont, 8 * cont, 22, bps, 0) + guid
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(body)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        f.write(b"data" + struct.pack("<I", len(body)) + body)


def ref_samples(path):
    """The integer samples of a WAV that flac -d wrote."""
    d = open(path, "rb").read()
    i = d.index(b"fmt ")
    tag, ch, rate, _, align, bits = struct.unpack("<HHIIHH", d[i + 8:i + 24])
    valid = struct.unpack("<H", d[i + 26:i + 28])[0] if tag == 0xFFFE else bits
    j = d.index(b"data")
    size = struct.unpack("<I", d[j + 4:j + 8])[0]
    cont = bits // 8
    out = []
    for p in range(j + 8, j + 8 + size, cont):
        if cont == 1:
            out.append((d[p] - 128) >> (8 - valid))
        else:
            out.append(int.from_bytes(d[p:p + cont], "little", signed=True) >> (8 * cont - valid))
    return out, ch, valid


def samples_sha256(samples):
    h = hashlib.sha256()
    h.update(struct.pack("<%di" % len(samples), *samples))
    return h.hexdigest()


def analyse(flac_path, tmp):
    ana = os.path.join(tmp, "a.ana")
    run(["flac", "-s", "-f", "-a", flac_path, "-o", ana])
    text = open(ana).read()
    return {
        "frames": len(re.findall(r"^frame=", text, re.M)),
        "block_sizes": sorted({int(x) for x in re.findall(r"blocksize=(\d+)", text)}),
        "channel_assignments": sorted(set(re.findall(r"channel_assignment=(\w+)", text))),
        "subframe_types": sorted(set(re.findall(r"\ttype=(\w+)", text))),
        "residual_types": sorted(set(re.findall(r"residual_type=(\w+)", text))),
        "wasted_bits": sorted({int(x) for x in re.findall(r"wasted_bits=(\d+)", text)}),
        "escaped_partitions": len(re.findall(r"ESCAPE", text)),
    }


# --- variable block size: splice single-frame encodes ---------------------------------------

def crc8(data):
    c = 0
    for b in data:
        c ^= b
        for _ in range(8):
            c = ((c << 1) ^ 0x07) & 0xFF if c & 0x80 else (c << 1) & 0xFF
    return c


def crc16(data):
    c = 0
    for b in data:
        c ^= b << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x8005) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
    return c


def utf8_number(v):
    if v < 0x80:
        return bytes([v])
    for extra, lead, bits in ((1, 0xC0, 5), (2, 0xE0, 4), (3, 0xF0, 3), (4, 0xF8, 2),
                              (5, 0xFC, 1), (6, 0xFE, 0)):
        if v < 1 << (bits + 6 * extra):
            out = [lead | (v >> (6 * extra))]
            for k in range(extra - 1, -1, -1):
                out.append(0x80 | ((v >> (6 * k)) & 0x3F))
            return bytes(out)
    raise ValueError(v)


def frames_of(flac_bytes):
    """The frame bytes of a flac file (everything after the metadata blocks)."""
    p = 4
    while True:
        last = flac_bytes[p] & 0x80
        p += 4 + int.from_bytes(flac_bytes[p + 1:p + 4], "big")
        if last:
            return flac_bytes[p:]


def number_length(first):
    """Bytes of a frame header's coded number: the count of leading ones of its first byte."""
    ones = 0
    while ones < 8 and first & (0x80 >> ones):
        ones += 1
    return 1 if ones == 0 else ones


def header_length(frame):
    """The index of a frame header's CRC-8 byte."""
    p = 4 + number_length(frame[4])
    p += {6: 1, 7: 2}.get(frame[2] >> 4, 0)
    p += {12: 1, 13: 2, 14: 2}.get(frame[2] & 0xF, 0)
    return p


def make_varblock(name, lengths, channels, bps, rate, level, tmp):
    total = sum(lengths)
    samples = signal(total, channels, bps, seed=len(name))
    out_frames = bytearray()
    pos = 0
    for ln in lengths:
        seg = samples[pos * channels:(pos + ln) * channels]
        wav = os.path.join(tmp, "seg.wav")
        fl = os.path.join(tmp, "seg.flac")
        write_wav(wav, seg, channels, rate, bps)
        run(["flac", "-s", "-f", "--lax", "-%d" % level, "-b", str(max(16, ln)), wav, "-o", fl])
        frame = bytearray(frames_of(open(fl, "rb").read()))
        assert frame[0] == 0xFF and frame[1] == 0xF8, "one fixed-size frame expected"
        hl = header_length(frame)
        numlen = number_length(frame[4])
        new = bytearray(frame[:4]) + utf8_number(pos) + frame[4 + numlen:hl]
        new[1] = 0xF9
        new.append(crc8(new))
        body = frame[hl + 1:-2]
        new += body
        new += crc16(new).to_bytes(2, "big")
        out_frames += new
        pos += ln
    cont = (bps + 7) // 8
    md5 = hashlib.md5(b"".join((v & ((1 << (8 * cont)) - 1)).to_bytes(cont, "little")
                               for v in samples)).digest()
    bmin = min(lengths[:-1]) if len(lengths) > 1 else lengths[0]
    bmax = max(lengths)
    info = struct.pack(">HH", bmin, bmax) + (0).to_bytes(3, "big") + (0).to_bytes(3, "big")
    packed = (rate << 44) | ((channels - 1) << 41) | ((bps - 1) << 36) | total
    info += packed.to_bytes(8, "big") + md5
    stream = b"fLaC" + bytes([0x80, 0, 0, 34]) + info + bytes(out_frames)
    return stream, samples


# --- the fixtures ----------------------------------------------------------------------------

# name, channels, bps, rate, level, blocksize (None: flac's default), samples, extras
CASES = [
    # every bit depth flac's tools take
    ("b8_mono_16k_l5", 1, 8, 16000, 5, None, 4500, {}),
    ("b12_mono_16k_l5", 1, 12, 16000, 5, None, 4500, {}),
    ("b16_mono_16k_l5", 1, 16, 16000, 5, None, 4500, {}),
    ("b20_mono_16k_l5", 1, 20, 16000, 5, None, 4500, {}),
    ("b24_mono_16k_l5", 1, 24, 16000, 5, None, 4500, {}),
    ("b32_mono_16k_l5", 1, 32, 16000, 5, None, 4200, {}),
    ("b32_stereo_48k_l8", 2, 32, 48000, 8, 1152, 1500, {}),
    ("b4_mono_8k_l5", 1, 4, 8000, 5, None, 3000, {}),
    # every compression level (0-2 use 1152-sample blocks, 3-8 one 2600-sample block); stereo where the
    # levels differ in stereo coding (0 none, 1 adaptive mid/side, 2+ exhaustive)
    *[("b16_%s_16k_l%d" % ("stereo" if lv in (0, 1, 2, 5, 8) else "mono", lv),
       2 if lv in (0, 1, 2, 5, 8) else 1, 16, 16000, lv, None, 2600, {}) for lv in range(9)],
    # block sizes, incl. odd ones written with the 8- and 16-bit header codes
    *[("b16_mono_16k_bs%d" % bs, 1, 16, 16000, 5, bs, n, {})
      for bs, n in ((16, 600), (192, 1000), (255, 1000), (576, 1500), (1000, 2100),
                    (1152, 2400), (4608, 5000), (4097, 4500))],
    ("b8_mono_16k_bs16384", 1, 8, 16000, 5, 16384, 17000, {}),
    # channels and sample rates
    ("b16_3ch_44100_l5", 3, 16, 44100, 5, None, 1500, {}),
    ("b24_6ch_48k_l5", 6, 24, 48000, 5, None, 800, {}),
    ("b16_8ch_32k_l3", 8, 16, 32000, 3, None, 1000, {}),
    ("b16_mono_8k_l5", 1, 16, 8000, 5, None, 2000, {}),
    ("b16_mono_11025_l5", 1, 16, 11025, 5, None, 2000, {}),
    ("b16_stereo_22050_l5", 2, 16, 22050, 5, None, 2000, {}),
    ("b24_stereo_96k_l5", 2, 24, 96000, 5, None, 2000, {}),
    ("b16_mono_12k_l5", 1, 16, 12000, 5, None, 2000, {}),
    ("b16_mono_37800_l5", 1, 16, 37800, 5, None, 2000, {}),
    # special content
    ("b24_mono_16k_wasted8", 1, 24, 16000, 5, None, 5000, {"wasted": 8}),
    ("b16_stereo_16k_left_side", 2, 16, 16000, 5, None, 1500, {"double": 1}),
    ("b16_stereo_16k_right_side", 2, 16, 16000, 5, None, 1500, {"double": 0}),
    ("b16_stereo_16k_silent_right", 2, 16, 16000, 5, None, 4200, {"silent_channel": 1}),
    ("b16_mono_16k_noise", 1, 16, 16000, 5, None, 3000, {"noise": True}),
    ("b24_stereo_16k_noise", 2, 24, 16000, 8, 1152, 1500, {"noise": True}),
]

VARBLOCK = [
    ("varblock_b16_stereo_16k", 2, 16, 16000, 5, [1152, 576, 2304, 192, 1000, 17, 5]),
    ("varblock_b24_mono_44100", 1, 24, 44100, 8, [1152, 4096, 16, 255, 9]),
]


def main():
    os.makedirs(ROOT, exist_ok=True)
    for f in os.listdir(ROOT):
        os.remove(os.path.join(ROOT, f))
    meta = {
        "generator": "audio/src/test/python/make_flac_fixtures.py",
        "tools": {"flac": version(["flac", "--version"]), "python": sys.version.split()[0]},
        "reference": "<name>.ref.wav is `flac -d -s <name>.flac -o <name>.ref.wav`; samples are"
                     " compared as integers (12- and 20-bit WAV containers shifted back), exactly",
        "fixtures": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        def finish(name, params, cmd, samples_in, keep_ref=True):
            fl = os.path.join(ROOT, name + ".flac")
            ref = os.path.join(ROOT if keep_ref else tmp, name + ".ref.wav")
            run(["flac", "-d", "-s", "-f", fl, "-o", ref])
            got, ch, valid = ref_samples(ref)
            if samples_in is not None:
                assert got == samples_in, name + ": flac -d differs from the encoder's input"
            entry = dict(params)
            entry.update({
                "command": cmd,
                "samples_per_channel": len(got) // ch,
                "ref_sha256_int32le": samples_sha256(got),
                "analysis": analyse(fl, tmp),
            })
            meta["fixtures"][name] = entry

        for name, ch, bps, rate, level, bs, n, extra in CASES:
            samples = signal(n, ch, bps, seed=len(meta["fixtures"]) + 1, **extra)
            wav = os.path.join(tmp, "in.wav")
            write_wav(wav, samples, ch, rate, bps)
            cmd = ["flac", "-s", "-f", "-%d" % level]
            if name != "b16_mono_16k_l5":  # one keeps flac's 8 KiB PADDING block, to be skipped
                cmd += ["--no-padding"]
            if bs is not None:
                cmd += ["-b", str(bs)]
            if (bs is not None and bs > 4608) or bps < 8:  # outside flac's streamable subset
                cmd += ["--lax"]
            if ch > 2:
                cmd += ["--channel-map=none"]
            run(cmd + [wav, "-o", os.path.join(ROOT, name + ".flac")])
            params = {"channels": ch, "bits_per_sample": bps, "sample_rate": rate,
                      "level": level, "blocksize": bs, **extra}
            finish(name, params, " ".join(cmd + ["in.wav", "-o", name + ".flac"]), samples)

        for name, ch, bps, rate, level, lengths in VARBLOCK:
            stream, samples = make_varblock(name, lengths, ch, bps, rate, level, tmp)
            open(os.path.join(ROOT, name + ".flac"), "wb").write(stream)
            params = {"channels": ch, "bits_per_sample": bps, "sample_rate": rate,
                      "level": level, "frame_lengths": lengths}
            finish(name, params, "one `flac --lax -%d -b <len>` encode per frame, spliced into a"
                   " variable block-size stream by this script" % level, samples)

        # an ID3v2.4 tag before the stream, as some taggers write one
        src = open(os.path.join(ROOT, "b16_stereo_16k_l5.flac"), "rb").read()
        body = b"TIT2" + (11).to_bytes(4, "big") + b"\x00\x00" + b"\x03stapes id3"
        tag = b"ID3\x04\x00\x00" + bytes([0, 0, 0, len(body)]) + body
        open(os.path.join(ROOT, "id3_b16_stereo_16k.flac"), "wb").write(tag + src)
        ref_l5, _, _ = ref_samples(os.path.join(ROOT, "b16_stereo_16k_l5.ref.wav"))
        finish("id3_b16_stereo_16k", {"channels": 2, "bits_per_sample": 16, "sample_rate": 16000,
                                      "id3v2_bytes": len(tag),
                                      "reference": "b16_stereo_16k_l5.ref.wav"},
               "b16_stereo_16k_l5.flac with a %d-byte ID3v2.4 tag prepended" % len(tag), ref_l5,
               keep_ref=False)

        # a real recording: the first 1.5 s of a LibriSpeech utterance (16 kHz mono s16); its
        # reference is the corpus WAV itself (flac -d equals it, asserted here) and the SHA-256
        speech, rate = read_wav_mono16(os.path.join(CORPUS, "librispeech", LIBRISPEECH))
        speech = speech[:3 * rate // 2]
        wav = os.path.join(tmp, "ls.wav")
        write_wav(wav, speech, 1, rate, 16)
        name = "librispeech_%s_1500ms" % LIBRISPEECH[:-4]
        cmd = ["flac", "-s", "-f", "-8", "--no-padding", wav, "-o",
               os.path.join(ROOT, name + ".flac")]
        run(cmd)
        finish(name, {"channels": 1, "bits_per_sample": 16, "sample_rate": rate, "level": 8,
                      "source": "../shared/corpus/librispeech/%s, first %d samples"
                                % (LIBRISPEECH, len(speech))},
               "flac -s -f -8 --no-padding ls.wav -o %s.flac" % name, speech, keep_ref=False)

    with open(os.path.join(ROOT, "flac.json"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(ROOT, x)) for x in os.listdir(ROOT))
    print("%d fixtures, %d bytes in %s" % (len(meta["fixtures"]), total, ROOT))


if __name__ == "__main__":
    main()
