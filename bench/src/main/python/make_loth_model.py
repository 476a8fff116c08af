#!/usr/bin/env python3
"""Builds a Look Once to Hear class target-speech-extraction model in streaming form and exports it.

Written from the published description only (no code from the authors' repository): a causal
TF-GridNet on a 16 kHz binaural STFT with n_fft 192 = 128-sample hop (8 ms) + 64 samples (4 ms)
of look-ahead, 97 bins, 3 GridNet blocks with D = 64, LSTM hidden 64, 4 attention heads over the
last 50 frames, a 256-d speaker embedding through Linear(256 -> 97 x 64) and LayerNorm multiplying
the features before the second block. Weights are random (seeded): the model is for timing and for
the streaming contract, not for listening.

One ONNX call = one 8 ms chunk. Inputs and outputs (B = 1), every carried state explicit:

  audio      [1, 192, 2]  float32, time-major interleaved L/R: the previous 64 frames (context,
                          carried by Stapes' Stream) followed by the 128 new frames
  spk_emb    [1, 256]     the target speaker's embedding (a bound input: switch it per stream)
  conv_buf   [1, 4, 2, 97]     the input conv's last 2 spectral frames (re/im x 2 ears)
  deconv_buf [1, 64, 2, 97]    the output transposed conv's last 2 feature frames
  istft_buf  [1, 2, 64]        the overlap-add tail of the inverse STFT (64 samples per ear)
  k_cache{b} [4, 49, 582]      per block, keys of the last 49 frames (heads, frames, 97 x E=6)
  v_cache{b} [4, 49, 1552]     per block, values of the last 49 frames (heads, frames, 97 x 16)
  h{b}, c{b} [1, 97, 64]       per block, the inter-frame (time) LSTM state, one row per bin
  -> out     [1, 128, 2]       128 output frames, interleaved L/R, 64 samples (4 ms) behind the
                               input's last frame (the look-ahead); each state X has output X_out.

The carried shapes follow FINDINGS.md except the iSTFT buffer: the authors carry the last frame's
spectrum [B, 2, 194, 1]; this model does the overlap-add itself and carries its 64-sample tail.

The analysis/synthesis window is the square root of a flat-top window (64-sample Hann rise, 64 flat,
64-sample Hann fall), so that with hop 128 the squared windows overlap-add to one. DFT and inverse
DFT are matrix products (no STFT operator in the graph).

The script (1) builds the model, (2) checks that streaming it chunk by chunk in PyTorch equals the
causal model run on the whole utterance (offline: convolutions over all frames, LSTM over all
frames, attention with a 50-frame band mask; history before the first frame is zeros, which is what
zero-initialised caches mean), to 1e-4, (3) exports the streaming step to ONNX (opset 17), (4)
checks it with onnxruntime against PyTorch, and (5) writes model, JSON descriptor and, with
--fixture, the streamed input/output of onnxruntime (with a speaker switch halfway) for Stapes'
test. The descriptor also goes into the model's stapes.* metadata, so Session.streamSpecFromMetadata
reads it.

  /tmp/fixvenv/bin/python bench/src/main/python/make_loth_model.py --seconds 0.4 \\
      --out ../shared/models/loth
  /tmp/fixvenv/bin/python bench/src/main/python/make_loth_model.py --tiny --fixture --seconds 0.2 \\
      --out engine/src/test/resources/dev/stapes/engine/loth
"""
import argparse
import json
import math
import os
import platform

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FULL = dict(
    sample_rate=16000, hop=128, lookahead=64, channels=2, d=64, hidden=64, heads=4, e_per_bin=6,
    window_frames=50, blocks=3, emb=256, spk_before_block=1, seed=20240513,
)
TINY = dict(
    sample_rate=16000, hop=16, lookahead=8, channels=2, d=8, hidden=8, heads=2, e_per_bin=2,
    window_frames=5, blocks=3, emb=16, spk_before_block=1, seed=7,
)


def derived(cfg):
    c = dict(cfg)
    c["n_fft"] = c["hop"] + c["lookahead"]
    c["bins"] = c["n_fft"] // 2 + 1
    c["v_per_bin"] = c["d"] // c["heads"]
    return c


def analysis_window(hop, la):
    """sqrt of a flat-top window: Hann rise over la, flat hop - la, Hann fall over la."""
    n = hop + la
    w2 = np.ones(n)
    k = np.arange(la)
    rise = np.sin(0.5 * np.pi * (k + 0.5) / la) ** 2
    w2[:la] = rise
    w2[n - la:] = rise[::-1]
    return np.sqrt(w2)


def dft_mats(n_fft, bins, win):
    n = np.arange(n_fft)[:, None]
    k = np.arange(bins)[None, :]
    ang = 2 * np.pi * n * k / n_fft
    fc = win[:, None] * np.cos(ang)  # [n_fft, bins]: re = x @ fc
    fs = -win[:, None] * np.sin(ang)  # im = x @ fs
    scale = np.full(bins, 2.0 / n_fft)
    scale[0] = 1.0 / n_fft
    if n_fft % 2 == 0:
        scale[-1] = 1.0 / n_fft
    ic = (scale[:, None] * np.cos(ang.T)) * win[None, :]  # [bins, n_fft]
    is_ = (-scale[:, None] * np.sin(ang.T)) * win[None, :]
    return [torch.tensor(m, dtype=torch.float32) for m in (fc, fs, ic, is_)]


class Block(nn.Module):
    """One causal GridNet block on channels-last features [B, T, F, D]."""

    def __init__(self, c):
        super().__init__()
        d, h, nb = c["d"], c["hidden"], c["bins"]
        self.heads, self.e, self.v = c["heads"], c["e_per_bin"], c["v_per_bin"]
        self.nb, self.d, self.w = nb, d, c["window_frames"]
        self.intra_norm = nn.LayerNorm(d)
        self.intra_rnn = nn.LSTM(d, h, batch_first=True, bidirectional=True)
        self.intra_lin = nn.Linear(2 * h, d)
        self.inter_norm = nn.LayerNorm(d)
        self.inter_rnn = nn.LSTM(d, h, batch_first=True)
        self.inter_lin = nn.Linear(h, d)
        self.q = nn.Linear(d, self.heads * self.e)
        self.k = nn.Linear(d, self.heads * self.e)
        self.vp = nn.Linear(d, self.heads * self.v)
        self.q_act, self.k_act, self.v_act = nn.PReLU(), nn.PReLU(), nn.PReLU()
        self.q_norm = nn.LayerNorm([nb, self.e])
        self.k_norm = nn.LayerNorm([nb, self.e])
        self.v_norm = nn.LayerNorm([nb, self.v])
        self.proj = nn.Linear(d, d)
        self.proj_act = nn.PReLU()
        self.proj_norm = nn.LayerNorm([nb, d])

    def _heads(self, x, lin, act, norm, per):
        b, t, f, _ = x.shape
        y = act(lin(x)).reshape(b, t, f, self.heads, per).permute(0, 3, 1, 2, 4)
        return norm(y).reshape(b, self.heads, t, f * per)  # [B, heads, T, F*per]

    def _intra(self, x):
        b, t, f, d = x.shape
        y = self.intra_norm(x).reshape(b * t, f, d)
        y, _ = self.intra_rnn(y)
        return x + self.intra_lin(y).reshape(b, t, f, d)

    def _merge(self, o, x):
        b, t, f, d = x.shape
        o = o.reshape(b, self.heads, t, f, self.v).permute(0, 2, 3, 1, 4).reshape(b, t, f, d)
        return x + self.proj_norm(self.proj_act(self.proj(o)))

    def offline(self, x):
        x = self._intra(x)
        b, t, f, d = x.shape
        y = self.inter_norm(x).permute(0, 2, 1, 3).reshape(b * f, t, d)
        y, _ = self.inter_rnn(y)
        x = x + self.inter_lin(y).reshape(b, f, t, d).permute(0, 2, 1, 3)
        q = self._heads(x, self.q, self.q_act, self.q_norm, self.e)
        k = self._heads(x, self.k, self.k_act, self.k_norm, self.e)
        v = self._heads(x, self.vp, self.v_act, self.v_norm, self.v)
        pad = self.w - 1
        k = F.pad(k, (0, 0, pad, 0))
        v = F.pad(v, (0, 0, pad, 0))
        s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])  # [B, h, T, T + pad]
        i = torch.arange(t)[:, None]
        j = torch.arange(t + pad)[None, :]
        s = s.masked_fill((j < i) | (j > i + pad), float("-inf"))
        return self._merge(torch.softmax(s, dim=-1) @ v, x)

    def step(self, x, kc, vc, h, c):
        """x [1, 1, F, D]; kc [heads, W-1, F*E]; vc [heads, W-1, F*V]; h, c [1, F, H]."""
        x = self._intra(x)
        b, t, f, d = x.shape
        y = self.inter_norm(x).reshape(f, 1, d)
        y, (h2, c2) = self.inter_rnn(y, (h, c))
        x = x + self.inter_lin(y).reshape(1, 1, f, d)
        q = self._heads(x, self.q, self.q_act, self.q_norm, self.e)[0]  # [heads, 1, F*E]
        k = torch.cat([kc, self._heads(x, self.k, self.k_act, self.k_norm, self.e)[0]], dim=1)
        v = torch.cat([vc, self._heads(x, self.vp, self.v_act, self.v_norm, self.v)[0]], dim=1)
        s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        o = torch.softmax(s, dim=-1) @ v  # [heads, 1, F*V]
        return self._merge(o.unsqueeze(0), x), k[:, 1:], v[:, 1:], h2, c2


class Loth(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        nb, d, ch = c["bins"], c["d"], c["channels"]
        fc, fs, ic, is_ = dft_mats(c["n_fft"], nb, analysis_window(c["hop"], c["lookahead"]))
        for n, m in (("fc", fc), ("fs", fs), ("ic", ic), ("is_", is_)):
            self.register_buffer(n, m)
        self.conv = nn.Conv2d(2 * ch, d, (3, 3), padding=(0, 1))
        self.conv_norm = nn.LayerNorm([nb, d])
        self.blocks = nn.ModuleList(Block(c) for _ in range(c["blocks"]))
        self.spk = nn.Linear(c["emb"], nb * d)
        self.spk_norm = nn.LayerNorm([nb, d])
        self.deconv = nn.ConvTranspose2d(d, 2 * ch, (3, 3), padding=(0, 1))

    # --- shared pieces -------------------------------------------------------------------
    def _spec(self, frames):
        """frames [B, ch, T, n_fft] -> [B, 2ch, T, F] (re, im per ear)."""
        re, im = frames @ self.fc, frames @ self.fs
        b, ch, t, f = re.shape
        return torch.stack([re, im], dim=2).reshape(b, 2 * ch, t, f)

    def _frames_out(self, y):
        """y [B, 2ch, T, F] -> time frames [B, ch, T, n_fft] (windowed)."""
        b, _, t, f = y.shape
        y = y.reshape(b, self.c["channels"], 2, t, f)
        return y[:, :, 0] @ self.ic + y[:, :, 1] @ self.is_

    def _spk(self, emb):
        nb, d = self.c["bins"], self.c["d"]
        return self.spk_norm(self.spk(emb).reshape(-1, 1, nb, d))  # [B, 1, F, D]

    def _features(self, x, emb):
        """x: conv output [B, D, T, F] -> blocks -> [B, D, T, F]."""
        raise NotImplementedError

    # --- offline: the causal model on a whole utterance -----------------------------------
    def offline(self, audio, emb):
        """audio [B, N, ch] with N a multiple of hop -> [B, N, ch] (the same 64-sample delay)."""
        hop, la, n_fft = self.c["hop"], self.c["lookahead"], self.c["n_fft"]
        b, n, ch = audio.shape
        t = n // hop
        x = F.pad(audio.permute(0, 2, 1), (la, 0))  # [B, ch, la + N]
        frames = x.unfold(-1, n_fft, hop)[:, :, :t]  # [B, ch, T, n_fft]
        s = F.pad(self._spec(frames), (0, 0, 2, 0))  # two zero frames of history
        z = self.conv_norm(self.conv(s).permute(0, 2, 3, 1))  # [B, T, F, D]
        for i, blk in enumerate(self.blocks):
            if i == self.c["spk_before_block"]:
                z = z * self._spk(emb)
            z = blk.offline(z)
        y = self.deconv(z.permute(0, 3, 1, 2))[:, :, :t]  # causal: drop the 2 trailing frames
        fr = self._frames_out(y)  # [B, ch, T, n_fft]
        out = torch.zeros(b, ch, (t - 1) * hop + n_fft)
        for i in range(t):
            out[:, :, i * hop:i * hop + n_fft] += fr[:, :, i]
        return out[:, :, :n].permute(0, 2, 1)  # sample j of out = input sample j - la

    # --- streaming: one chunk -----------------------------------------------------------
    def forward(self, audio, spk_emb, conv_buf, deconv_buf, istft_buf, *caches):
        la = self.c["lookahead"]
        frames = audio.permute(0, 2, 1).unsqueeze(2)  # [1, ch, 1, n_fft]
        s = self._spec(frames)  # [1, 2ch, 1, F]
        s3 = torch.cat([conv_buf, s], dim=2)
        z = self.conv_norm(self.conv(s3).permute(0, 2, 3, 1))  # [1, 1, F, D]
        new = []
        for i, blk in enumerate(self.blocks):
            if i == self.c["spk_before_block"]:
                z = z * self._spk(spk_emb)
            kc, vc, h, c = caches[4 * i:4 * i + 4]
            z, kc, vc, h, c = blk.step(z, kc, vc, h, c)
            new += [kc, vc, h, c]
        zc = z.permute(0, 3, 1, 2)  # [1, D, 1, F]
        d3 = torch.cat([deconv_buf, zc], dim=2)
        y = self.deconv(d3)[:, :, 2:3]  # [1, 2ch, 1, F]: the causal output of the newest frame
        fr = self._frames_out(y)[:, :, 0]  # [1, ch, n_fft]
        head = fr[:, :, :la] + istft_buf
        out = torch.cat([head, fr[:, :, la:self.c["hop"]]], dim=2)  # [1, ch, hop]
        return (out.permute(0, 2, 1), s3[:, :, 1:], d3[:, :, 1:], fr[:, :, self.c["hop"]:], *new)


def state_specs(c):
    nb, d, ch, h = c["bins"], c["d"], c["channels"], c["hidden"]
    w = c["window_frames"] - 1
    s = [("conv_buf", [1, 2 * ch, 2, nb]), ("deconv_buf", [1, d, 2, nb]),
         ("istft_buf", [1, ch, c["lookahead"]])]
    for b in range(c["blocks"]):
        s += [(f"k_cache{b}", [c["heads"], w, nb * c["e_per_bin"]]),
              (f"v_cache{b}", [c["heads"], w, nb * c["v_per_bin"]]),
              (f"h{b}", [1, nb, h]), (f"c{b}", [1, nb, h])]
    return s


def zeros_states(c):
    return [torch.zeros(shape) for _, shape in state_specs(c)]


def stream_torch(model, audio, embs, switch):
    """audio [1, N, ch]; embs: list of [1, E]; speaker embs[1] from chunk `switch` on."""
    c = model.c
    hop, la = c["hop"], c["lookahead"]
    st = zeros_states(c)
    ctx = torch.zeros(1, la, c["channels"])
    outs = []
    for i in range(audio.shape[1] // hop):
        win = torch.cat([ctx, audio[:, i * hop:(i + 1) * hop]], dim=1)
        ctx = win[:, hop:]
        r = model(win, embs[0] if i < switch else embs[1], *st)
        outs.append(r[0])
        st = list(r[1:])
    return torch.cat(outs, dim=1)


def stream_ort(sess, c, audio, embs, switch):
    hop, la = c["hop"], c["lookahead"]
    names = [n for n, _ in state_specs(c)]
    st = {n: np.zeros(shape, np.float32) for n, shape in state_specs(c)}
    ctx = np.zeros((1, la, c["channels"]), np.float32)
    outs = []
    for i in range(audio.shape[1] // hop):
        win = np.concatenate([ctx, audio[:, i * hop:(i + 1) * hop]], axis=1)
        ctx = win[:, hop:]
        feed = {"audio": win, "spk_emb": embs[0] if i < switch else embs[1], **st}
        r = sess.run(None, feed)
        outs.append(r[0])
        st = dict(zip(names, r[1:]))
    return np.concatenate(outs, axis=1)


def test_signal(n, sr, ch, seed):
    """Deterministic binaural test audio: two voiced-like harmonic sources plus noise, the right
    ear a few samples late."""
    rng = np.random.default_rng(seed)
    t = np.arange(n + 8) / sr
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    ph = 2 * np.pi * np.cumsum(f0) / sr
    src = sum(np.sin(k * ph) / k for k in range(1, 12)) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
    src = 0.1 * src + 0.01 * rng.standard_normal(n + 8)
    out = np.stack([src[8:], src[5:n + 5]][:ch], axis=1)
    return out[None].astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--tiny", action="store_true", help="same structure, tiny dimensions")
    ap.add_argument("--fixture", action="store_true", help="write streamed ORT reference")
    ap.add_argument("--seconds", type=float, default=1.0, help="length of the checked audio")
    args = ap.parse_args()
    torch.set_num_threads(1)
    c = derived(TINY if args.tiny else FULL)
    torch.manual_seed(c["seed"])
    model = Loth(c).eval()
    with torch.no_grad():  # random affine norms and PReLU slopes, not the identity defaults
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
            if isinstance(m, nn.PReLU):
                m.weight.uniform_(0.1, 0.4)
    hop = c["hop"]
    chunks = int(round(args.seconds * c["sample_rate"] / hop))
    audio = test_signal(chunks * hop, c["sample_rate"], c["channels"], c["seed"])
    g = torch.Generator().manual_seed(c["seed"] + 1)
    embs = [torch.randn(1, c["emb"], generator=g) for _ in range(2)]
    a = torch.from_numpy(audio)

    # (2) streaming == offline (one speaker throughout: the offline model has one embedding)
    with torch.no_grad():
        off = model.offline(a, embs[0])
        st = stream_torch(model, a, embs, switch=chunks + 1)
    err_stream = float((off - st).abs().max())
    print(f"streaming vs offline: max |diff| {err_stream:.3g} over {chunks} chunks, "
          f"output rms {float(off.pow(2).mean().sqrt()):.3g}")
    assert err_stream <= 1e-4, err_stream

    # (3) export the step
    os.makedirs(args.out, exist_ok=True)
    name = "loth-tiny" if args.tiny else "loth"
    path = os.path.join(args.out, name + ".onnx")
    specs = state_specs(c)
    ex_in = (torch.zeros(1, c["n_fft"], c["channels"]), embs[0], *zeros_states(c))
    in_names = ["audio", "spk_emb"] + [n for n, _ in specs]
    out_names = ["out"] + [n + "_out" for n, _ in specs]
    torch.onnx.export(model, ex_in, path, input_names=in_names, output_names=out_names,
                      opset_version=17, dynamo=False, do_constant_folding=True)
    import onnx
    m = onnx.load(path)
    meta = {
        "stapes.audio_input": "audio",
        "stapes.chunk_samples": str(hop * c["channels"]),
        "stapes.context_samples": str(c["lookahead"] * c["channels"]),
        "stapes.audio_shape": f"1,{c['n_fft']},{c['channels']}",
        "stapes.state": ",".join(f"{n}<-{n}_out" for n, _ in specs),
        "stapes.outputs": "out",
        "stapes.sample_rate": str(c["sample_rate"]),
    }
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, path)
    ops = sorted({n.op_type for n in m.graph.node})

    # (4) onnxruntime against PyTorch, with a speaker switch halfway
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    switch = chunks // 2
    e_np = [e.numpy() for e in embs]
    got = stream_ort(sess, c, audio, e_np, switch)
    with torch.no_grad():
        ref = stream_torch(model, a, embs, switch).numpy()
    err_ort = float(np.abs(got - ref).max())
    print(f"onnxruntime vs PyTorch streaming (speaker switch at chunk {switch}): "
          f"max |diff| {err_ort:.3g}")
    assert err_ort <= 1e-4, err_ort

    nparams = sum(p.numel() for p in model.parameters())
    desc = {
        "model": name + ".onnx",
        "description": "Look Once to Hear class causal TF-GridNet, random weights, streaming step",
        "config": c,
        "parameters": nparams,
        "onnx_bytes": os.path.getsize(path),
        "opset": 17,
        "ops": ops,
        "metadata": meta,
        "audio": {"input": "audio", "shape": [1, c["n_fft"], c["channels"]],
                  "layout": "time-major interleaved channels; the first lookahead frames are the "
                            "previous call's last ones", "chunk_frames": hop,
                  "output": "out", "output_shape": [1, hop, c["channels"]],
                  "output_delay_samples": c["lookahead"]},
        "bound_inputs": {"spk_emb": [1, c["emb"]]},
        "states": [{"input": n, "output": n + "_out", "shape": s} for n, s in specs],
        "checks": {"streaming_vs_offline_max_abs": err_stream, "ort_vs_torch_max_abs": err_ort,
                   "chunks": chunks, "speaker_switch_chunk": switch, "tolerance": 1e-4},
        "tools": {"python": platform.python_version(), "torch": torch.__version__,
                  "onnx": onnx.__version__, "onnxruntime": ort.__version__,
                  "numpy": np.__version__},
        "command": "bench/src/main/python/make_loth_model.py"
                   + (" --tiny" if args.tiny else "") + (" --fixture" if args.fixture else "")
                   + f" --seconds {args.seconds} --out {args.out}",
    }
    if args.fixture:
        np.save(os.path.join(args.out, name + ".input.npy"), audio[0])
        np.save(os.path.join(args.out, name + ".spk0.npy"), e_np[0])
        np.save(os.path.join(args.out, name + ".spk1.npy"), e_np[1])
        np.save(os.path.join(args.out, name + ".expected.npy"), got[0])
        desc["fixture"] = {"input": name + ".input.npy", "speakers": [name + ".spk0.npy",
                           name + ".spk1.npy"], "expected": name + ".expected.npy",
                           "expected_from": "onnxruntime Python, streamed chunk by chunk",
                           "speaker_switch_chunk": switch}
    with open(path + ".json", "w") as f:
        json.dump(desc, f, indent=2)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {nparams} parameters), ops {ops}")


if __name__ == "__main__":
    main()
