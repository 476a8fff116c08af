#!/usr/bin/env python3
"""Silero VAD per 512-sample chunk: Stapes (`stapes bench rt --pipeline vad`) against sherpa-onnx
(npm sherpa-onnx-node, sherpa_vad_bench.js), in alternating rounds on the same WAV and model file.

Each round starts a fresh process for each side (the order alternates from round to round), warms
it up, times every chunk of REPEAT passes over the file and writes the per-chunk latencies to
--out. Printed: p50/p99/p99.9/max of each side per round and pooled over all rounds, and the
ratios Stapes/sherpa. Standard library only; run from the project root after
`(cd bench/scripts && npm ci)` and a build of bench/target/stapes-bench.jar (docs/bench.md).
"""
import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
QS = [("p50", 0.50), ("p99", 0.99), ("p99.9", 0.999)]


def pct(sorted_ns, q):
    """Nearest-rank percentile, as sherpa_vad_bench.js computes it."""
    n = len(sorted_ns)
    i = min(n - 1, max(0, -(-round(q * n * 1000) // 1000) - 1))
    return sorted_ns[i]


def figures(ns):
    s = sorted(ns)
    f = {k: pct(s, q) / 1e3 for k, q in QS}
    f["max"] = s[-1] / 1e3
    return f


def read_timeline(path):
    wall, cpu = [], []
    for line in path.read_text().split("\n"):
        if line:
            parts = line.split()
            wall.append(int(parts[0]))
            if len(parts) > 1:
                cpu.append(int(parts[1]))
    return wall, cpu


def run(cmd, env=None):
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("vad_vs_sherpa: %s failed (exit %d): %s"
                 % (shlex.join(cmd), r.returncode, (r.stderr or r.stdout).strip()[-500:]))
    return r.stdout


def line(label, f):
    return "%-10s p50 %8.1f  p99 %8.1f  p99.9 %8.1f  max %9.1f us" % (
        label, f["p50"], f["p99"], f["p99.9"], f["max"])


def ratios(a, b):
    return "ratio      p50 %8.2fx p99 %8.2fx p99.9 %8.2fx max %9.2fx" % tuple(
        a[k] / b[k] for k in ("p50", "p99", "p99.9", "max"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", default="../shared/corpus/silero_test.wav",
                    help="16 kHz mono 16-bit WAV (default: %(default)s)")
    ap.add_argument("--model", default=str(Path.home() / ".cache/stapes/silero-vad-v5/silero_vad_v5.onnx"),
                    help="Silero VAD v5 ONNX file, the store's (default: %(default)s)")
    ap.add_argument("--rounds", type=int, default=6, help="alternating rounds (default %(default)s)")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the file per round (default %(default)s)")
    ap.add_argument("--warmup", type=int, default=10000, help="chunks before timing (default %(default)s)")
    ap.add_argument("--jar", default="bench/target/stapes-bench.jar")
    ap.add_argument("--java-opts", default="", help="extra JVM options for the Stapes side")
    ap.add_argument("--stapes-args", default="", help="extra `bench rt` options for the Stapes side")
    ap.add_argument("--realtime", type=int, metavar="CPU", default=None,
                    help="run both sides pinned to CPU under SCHED_FIFO 80: Stapes with its own"
                         " --realtime, sherpa-onnx under chrt -f 80 taskset -c CPU")
    ap.add_argument("--out", default="target/vad-vs-sherpa", help="folder for the timelines (default %(default)s)")
    a = ap.parse_args()
    if not 1 <= a.rounds <= 1000:
        sys.exit("vad_vs_sherpa: --rounds %d, expected 1 to 1000" % a.rounds)
    if not 1 <= a.repeat <= 10000:
        sys.exit("vad_vs_sherpa: --repeat %d, expected 1 to 10000" % a.repeat)
    for label, p in (("--input", a.input), ("--model", a.model), ("--jar", a.jar)):
        if not (ROOT / p).is_file():
            sys.exit("vad_vs_sherpa: %s %s: no such file" % (label, p))
    if not (HERE / "node_modules" / "sherpa-onnx-node").is_dir():
        sys.exit("vad_vs_sherpa: sherpa-onnx-node is not installed: run (cd bench/scripts && npm ci)")
    out = ROOT / a.out
    out.mkdir(parents=True, exist_ok=True)
    model = str((ROOT / a.model).resolve())
    wav = str((ROOT / a.input).resolve())

    pooled = {"stapes": [], "sherpa": []}
    pooled_cpu = []
    for r in range(a.rounds):
        order = ("sherpa", "stapes") if r % 2 == 0 else ("stapes", "sherpa")
        got = {}
        for side in order:
            tl = out / ("round%02d-%s.txt" % (r, side))
            if side == "sherpa":
                rt = [] if a.realtime is None else ["chrt", "-f", "80", "taskset", "-c", str(a.realtime)]
                head = run([*rt, "node", str(HERE / "sherpa_vad_bench.js"), model, wav,
                            str(a.repeat), str(a.warmup), str(tl)]).split("\n")[0]
            else:
                run(["java", *shlex.split(a.java_opts), "-jar", a.jar, "bench", "rt",
                     "--pipeline", "vad", "--model", model, "--input", wav,
                     "--repeat", str(a.repeat), "--warmup", str(a.warmup), "--warmup-ms", "0",
                     "--timeline", str(tl), *shlex.split(a.stapes_args),
                     *([] if a.realtime is None else ["--realtime", "--cpus", str(a.realtime)])])
            wall, cpu = read_timeline(tl)
            pooled[side] += wall
            pooled_cpu += cpu
            got[side] = figures(wall)
            if side == "stapes":
                got["cpu"] = figures(cpu)
        if r == 0:
            print("sherpa: " + head)
        print("round %d (%s first), %d chunks each" % (r + 1, order[0], len(wall)))
        print("  " + line("stapes", got["stapes"]))
        print("  " + line("sherpa", got["sherpa"]))
        print("  " + ratios(got["stapes"], got["sherpa"]))
        print("  " + line("stapes cpu", got["cpu"]))
        sys.stdout.flush()
    s, h = figures(pooled["stapes"]), figures(pooled["sherpa"])
    print("pooled over %d rounds, %d chunks each side" % (a.rounds, len(pooled["stapes"])))
    print("  " + line("stapes", s))
    print("  " + line("sherpa", h))
    print("  " + ratios(s, h))
    print("  " + line("stapes cpu", figures(pooled_cpu)))


if __name__ == "__main__":
    main()
