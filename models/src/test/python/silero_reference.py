#!/usr/bin/python3
"""Independent reference for Stapes' Silero VAD v5 pipeline, without ONNX Runtime.

No ONNX Runtime for Python exists on this machine and Debian's onnx 1.12 has no reference
evaluator, so this script evaluates the model's graph with a small numpy interpreter of the
operators the model uses (If, LSTM, Conv, Pad, Slice, ...), and streams a clip through it the
way the model is meant to be streamed: chunks of 512 samples at 16 kHz (256 at 8 kHz), each
prefixed with the last 64 (32) samples of the previous input (zeros at first), the state
[2, 1, 128] carried from `stateN` to `state`, `sr` given as an int64 scalar; the last partial
chunk zero-padded.

Writes models/src/test/resources/speech/silero_probs_16k.npy and silero_probs_8k.npy (float32,
one probability per chunk) for ../shared/corpus/silero_test.wav, and silero_probs.json (sidecar).
The 8 kHz input is every second sample of the 16 kHz clip.

Run from the project root, with the model from the store:
  ./stapes models fetch silero-vad-v5
  /usr/bin/python3 models/src/test/python/silero_reference.py ~/.cache/stapes/silero-vad-v5/silero_vad_v5.onnx
"""
import hashlib
import json
import os
import sys
import wave

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
OUT = os.path.join(ROOT, "models", "src", "test", "resources", "speech")
CLIP = os.path.join(ROOT, "..", "shared", "corpus", "silero_test.wav")


def attrs(node):
    out = {}
    for a in node.attribute:
        out[a.name] = onnx.helper.get_attribute_value(a)
    return out


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def conv1d(x, w, b, strides, pads, group, dilations):
    assert group == 1 and dilations == [1]
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[1])))
    n, c, length = x.shape
    m, _, k = w.shape
    s = strides[0]
    out_len = (length - k) // s + 1
    cols = np.lib.stride_tricks.sliding_window_view(x, k, axis=2)[:, :, ::s, :][:, :, :out_len, :]
    # cols: [n, c, out_len, k]; y[n, m, t] = sum_{c,k} w[m, c, k] * cols[n, c, t, k]
    y = np.einsum("nctk,mck->nmt", cols.astype(np.float64), w.astype(np.float64))
    if b is not None:
        y = y + b[None, :, None]
    return y.astype(np.float32)


def lstm(x, w, r, b, seq_lens, h0, c0, hidden):
    # ONNX LSTM, forward, default activations; gates in the order i, o, f, c
    seq, batch, _ = x.shape
    h = np.zeros((batch, hidden), np.float32) if h0 is None else h0[0].copy()
    c = np.zeros((batch, hidden), np.float32) if c0 is None else c0[0].copy()
    W, R = w[0], r[0]
    bias = np.zeros(8 * hidden, np.float32) if b is None else b[0]
    wb, rb = bias[: 4 * hidden], bias[4 * hidden:]
    ys = []
    for t in range(seq):
        g = x[t] @ W.T + h @ R.T + wb + rb
        i, o, f, cc = np.split(g, 4, axis=1)
        i, o, f, cc = sigmoid(i), sigmoid(o), sigmoid(f), np.tanh(cc)
        c = f * c + i * cc
        h = o * np.tanh(c)
        ys.append(h.copy())
    y = np.stack(ys)[:, None, :, :]
    return y.astype(np.float32), h[None].astype(np.float32), c[None].astype(np.float32)


def run_graph(graph, env):
    env = dict(env)
    for init in graph.initializer:
        env[init.name] = numpy_helper.to_array(init)
    for node in graph.node:
        a = attrs(node)
        ins = [env[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Constant":
            outs = [numpy_helper.to_array(a["value"])]
        elif op == "Identity":
            outs = [ins[0]]
        elif op == "Equal":
            outs = [np.equal(ins[0], ins[1])]
        elif op == "Not":
            outs = [np.logical_not(ins[0])]
        elif op == "If":
            branch = a["then_branch"] if bool(np.asarray(ins[0]).reshape(())) else a["else_branch"]
            sub = run_graph(branch, env)
            outs = [sub[o.name] for o in branch.output]
        elif op == "Squeeze":
            axes = ins[1] if len(ins) > 1 and ins[1] is not None else None
            outs = [np.squeeze(ins[0]) if axes is None else np.squeeze(ins[0], axis=tuple(int(v) for v in axes))]
        elif op == "Unsqueeze":
            y = ins[0]
            for ax in sorted(int(v) for v in ins[1]):
                y = np.expand_dims(y, ax if ax >= 0 else ax + y.ndim + 1)
            outs = [y]
        elif op == "Shape":
            outs = [np.array(ins[0].shape, np.int64)]
        elif op == "Size":
            outs = [np.array(ins[0].size, np.int64)]
        elif op == "Gather":
            outs = [np.take(ins[0], ins[1], axis=a.get("axis", 0))]
        elif op == "Cast":
            to = {1: np.float32, 7: np.int64, 9: np.bool_}[a["to"]]
            outs = [np.asarray(ins[0]).astype(to)]
        elif op == "Slice":
            data, starts, ends = ins[0], ins[1], ins[2]
            axes = ins[3] if len(ins) > 3 and ins[3] is not None else np.arange(len(starts))
            steps = ins[4] if len(ins) > 4 and ins[4] is not None else np.ones(len(starts), np.int64)
            sl = [slice(None)] * data.ndim
            for s, e, ax, st in zip(starts, ends, axes, steps):
                ax = int(ax) % data.ndim
                dim = data.shape[ax]
                s, e, st = int(s), int(e), int(st)
                s = s + dim if s < 0 else s
                e = e + dim if e < 0 else e
                if st > 0:
                    s, e = max(min(s, dim), 0), max(min(e, dim), 0)
                    sl[ax] = slice(s, e, st)
                else:  # ONNX clamps to [-1, dim - 1]; -1 means "before index 0"
                    s, e = max(min(s, dim - 1), -1), max(min(e, dim - 1), -1)
                    sl[ax] = slice(s, None if e < 0 else e, st)
            outs = [data[tuple(sl)]]
        elif op == "Concat":
            outs = [np.concatenate(ins, axis=a["axis"])]
        elif op == "ConstantOfShape":
            v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
            outs = [np.full(tuple(int(d) for d in ins[0]), v.reshape(-1)[0], dtype=v.dtype)]
        elif op == "Reshape":
            shape = [int(d) for d in ins[1]]
            shape = [ins[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
            outs = [ins[0].reshape(shape)]
        elif op == "Transpose":
            outs = [np.transpose(ins[0], a["perm"])]
        elif op == "Pad":
            pads = [int(p) for p in ins[1]]
            half = len(pads) // 2
            width = [(pads[i], pads[i + half]) for i in range(half)]
            assert a.get("mode", b"constant") == b"reflect"
            outs = [np.pad(ins[0], width, mode="reflect")]
        elif op == "Conv":
            outs = [conv1d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a["strides"],
                           a["pads"], a.get("group", 1), a.get("dilations", [1]))]
        elif op == "LSTM":
            get = lambda i: ins[i] if len(ins) > i else None
            outs = list(lstm(ins[0], ins[1], ins[2], get(3), get(4), get(5), get(6), a["hidden_size"]))
        elif op == "Pow":
            outs = [np.power(ins[0], ins[1]).astype(ins[0].dtype)]
        elif op == "Add":
            outs = [ins[0] + ins[1]]
        elif op == "Sqrt":
            outs = [np.sqrt(ins[0])]
        elif op == "Relu":
            outs = [np.maximum(ins[0], 0)]
        elif op == "Sigmoid":
            outs = [sigmoid(ins[0]).astype(np.float32)]
        elif op == "ReduceMean":
            outs = [np.mean(ins[0], axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))]
        else:
            raise NotImplementedError(op)
        for name, val in zip(node.output, outs):
            if name:
                env[name] = val
    return env


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
        return x, w.getframerate()


def stream(model, x, rate):
    chunk, context = (512, 64) if rate == 16000 else (256, 32)
    n = (len(x) + chunk - 1) // chunk
    padded = np.zeros(n * chunk, np.float32)
    padded[: len(x)] = x
    state = np.zeros((2, 1, 128), np.float32)
    ctx = np.zeros(context, np.float32)
    probs = np.zeros(n, np.float32)
    for i in range(n):
        window = np.concatenate([ctx, padded[i * chunk:(i + 1) * chunk]])[None, :]
        env = run_graph(model.graph, {"input": window, "state": state,
                                      "sr": np.array(rate, np.int64)})
        probs[i] = float(np.asarray(env["output"]).reshape(-1)[0])
        state = env["stateN"].astype(np.float32)
        ctx = window[0, -context:]
    return probs


def main():
    model_path = sys.argv[1]
    with open(model_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    model = onnx.load(model_path)
    x16, rate = read_wav(CLIP)
    assert rate == 16000
    # the 8 kHz input: every second sample (plain decimation; aliasing does not matter for an
    # agreement test, and the Java side can make exactly the same samples)
    x8 = x16[::2].copy()
    os.makedirs(OUT, exist_ok=True)
    p16 = stream(model, x16, 16000)
    p8 = stream(model, x8, 8000)
    np.save(os.path.join(OUT, "silero_probs_16k.npy"), p16)
    np.save(os.path.join(OUT, "silero_probs_8k.npy"), p8)
    meta = {
        "description": "Silero VAD v5 speech probabilities of ../shared/corpus/silero_test.wav,"
        " one per chunk (16 kHz: 512 + 64 context; 8 kHz: 256 + 32, input = every second sample of"
        " the clip), from a numpy evaluation of the ONNX graph",
        "model_sha256": sha,
        "chunks_16k": int(len(p16)),
        "chunks_8k": int(len(p8)),
        "tolerance_abs": 1e-5,
        "tools": {"numpy": np.__version__, "onnx": onnx.__version__},
        "generator": "models/src/test/python/silero_reference.py",
    }
    with open(os.path.join(OUT, "silero_probs.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print("16k: %d chunks, %d >= 0.5; 8k: %d chunks, %d >= 0.5" % (
        len(p16), int((p16 >= 0.5).sum()), len(p8), int((p8 >= 0.5).sum())))


if __name__ == "__main__":
    main()
