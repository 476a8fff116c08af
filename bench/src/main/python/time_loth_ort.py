#!/usr/bin/env python3
"""Times the Look Once to Hear class model per 8 ms chunk in onnxruntime Python (the baseline of
LothBenchmark), one intra-op thread, streaming the way a Python user does: numpy feeds, the 15
states passed from one call's outputs to the next call's inputs, the 64-frame context carried.

Writes the input it streams (4 s of binaural test audio, interleaved, float32) to
<dir>/loth.timing-input.npy when absent, so that the JMH benchmark streams the same samples.
Prints per-chunk p50/p99/p99.9/max in microseconds and RTF = p50 / 8 ms, and appends a JSON line to
<dir>/loth.python-timings.jsonl.

  /tmp/fixvenv/bin/python bench/src/main/python/time_loth_ort.py --dir ../shared/models/loth
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_loth_model import FULL, derived, state_specs, test_signal  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--warmup", type=int, default=500, help="chunks before timing")
    ap.add_argument("--chunks", type=int, default=3000, help="timed chunks")
    ap.add_argument("--label", default="")
    ap.add_argument("--profile", action="store_true", help="ORT profile of 300 chunks, by op type")
    args = ap.parse_args()
    c = derived(FULL)
    hop, la, ch = c["hop"], c["lookahead"], c["channels"]
    inp = os.path.join(args.dir, "loth.timing-input.npy")
    if not os.path.exists(inp):
        n = 4 * c["sample_rate"] // hop * hop
        np.save(inp, test_signal(n, c["sample_rate"], ch, 11)[0].reshape(-1))
    audio = np.load(inp).reshape(1, -1, ch).astype(np.float32)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    if args.profile:
        so.enable_profiling = True
        so.profile_file_prefix = os.path.join(args.dir, "loth-profile")
    sess = ort.InferenceSession(os.path.join(args.dir, "loth.onnx"), so,
                                providers=["CPUExecutionProvider"])
    names = [n for n, _ in state_specs(c)]
    st = {n: np.zeros(s, np.float32) for n, s in state_specs(c)}
    spk = np.sin(np.arange(256, dtype=np.float32) * 0.1)[None]
    ctx = np.zeros((1, la, ch), np.float32)
    total = audio.shape[1] // hop
    times = np.empty(args.chunks, np.int64)
    cpu = np.empty(args.chunks, np.int64)
    sink = 0.0
    for i in range(args.warmup + args.chunks):
        j = i % total
        c0 = time.thread_time_ns()
        t0 = time.perf_counter_ns()
        win = np.concatenate([ctx, audio[:, j * hop:(j + 1) * hop]], axis=1)
        ctx = win[:, hop:]
        r = sess.run(None, {"audio": win, "spk_emb": spk, **st})
        st = dict(zip(names, r[1:]))
        t1 = time.perf_counter_ns()
        c1 = time.thread_time_ns()
        sink += float(r[0][0, 0, 0])
        if i >= args.warmup:
            times[i - args.warmup] = t1 - t0
            cpu[i - args.warmup] = c1 - c0
    us = times / 1000.0
    p = {q: float(np.percentile(us, q)) for q in (50, 99, 99.9)}
    res = {"label": args.label, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "chunks": args.chunks, "p50_us": p[50], "p99_us": p[99], "p999_us": p[99.9],
           "max_us": float(us.max()), "mean_us": float(us.mean()), "rtf_p50": p[50] / 8000.0,
           "cpu_p50_us": float(np.percentile(cpu, 50) / 1000), "cpu_mean_us": float(cpu.mean() / 1000),
           "onnxruntime": ort.__version__, "python": platform.python_version(),
           "load": os.getloadavg()}
    print(f"onnxruntime Python {ort.__version__}, 1 thread, {args.chunks} chunks: "
          f"p50 {p[50]:.0f} us, p99 {p[99]:.0f} us, p99.9 {p[99.9]:.0f} us, "
          f"max {us.max():.0f} us, RTF(p50) {p[50] / 8000:.3f}; thread CPU per chunk p50 "
          f"{np.percentile(cpu, 50) / 1000:.0f} us, mean {cpu.mean() / 1000:.0f} us "
          f"(sink {sink:.3g})")
    if args.profile:
        by_op, nodes = {}, {}
        with open(sess.end_profiling()) as f:
            for e in json.load(f):
                if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
                    op = e["args"]["op_name"]
                    by_op[op] = by_op.get(op, 0) + e["dur"]
                    nodes[e["name"]] = nodes.get(e["name"], 0) + e["dur"]
        tot = sum(by_op.values())
        print(f"profile: kernel time {tot / (args.warmup + args.chunks):.0f} us per chunk")
        for op, d in sorted(by_op.items(), key=lambda x: -x[1]):
            print(f"  {op:20s} {100 * d / tot:5.1f} %")
        print("  top nodes:")
        for n, d in sorted(nodes.items(), key=lambda x: -x[1])[:8]:
            print(f"    {n:60s} {100 * d / tot:5.1f} %")
        return
    with open(os.path.join(args.dir, "loth.python-timings.jsonl"), "a") as f:
        f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
