#!/usr/bin/env python3
"""Places the JVM's GC, safepoint and JIT events on the chunks of a `bench rt --timeline` run.

  java "-Xlog:gc*,safepoint,jit+compilation=debug:file=jvm.log:timenanos" \\
      -jar bench/target/stapes-bench.jar bench rt --pipeline vad --timeline t.txt ...
  python3 bench/scripts/jvm_events.py t.txt jvm.log

The timeline's third column and the `timenanos` decorator read the same clock (System.nanoTime).
Prints the events that fell inside the recorded chunks, by kind, then the slowest chunks with
their wall and thread CPU time and the events from 2 ms before each to 2 ms after it. Standard library only.
"""
import bisect
import re
import sys

LINE = re.compile(r"\[(\d+)ns\]\s*(.*)")


def kind(text):
    if "GC(" in text:
        return "gc"
    if "Safepoint" in text:
        return "safepoint"
    return "jit"


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: jvm_events.py TIMELINE.txt JVM.log [SLOWEST=15]")
    rows = []
    for n, line in enumerate(open(sys.argv[1]), 1):
        parts = line.split()
        if len(parts) != 3:
            sys.exit("jvm_events: %s:%d: %d columns, expected 3 (wall cpu start, from bench rt"
                     " --timeline)" % (sys.argv[1], n, len(parts)))
        rows.append(tuple(int(p) for p in parts))
    if not rows:
        sys.exit("jvm_events: %s: no chunks" % sys.argv[1])
    slowest = int(sys.argv[3]) if len(sys.argv) == 4 else 15
    starts = [r[2] for r in rows]
    end = rows[-1][2] + rows[-1][0]
    events = []
    for line in open(sys.argv[2], errors="replace"):
        m = LINE.match(line)
        if m and starts[0] <= int(m.group(1)) <= end:
            text = m.group(2).strip()
            if kind(text) == "gc" and not re.search(r"Pause .*ms$", text):
                continue  # one line per collection: its pause
            events.append((int(m.group(1)), text))
    counts = {}
    for _, text in events:
        counts[kind(text)] = counts.get(kind(text), 0) + 1
    print("%d chunks; events inside them: %s" % (len(rows), counts or "none"))
    for t, text in events:
        i = bisect.bisect_right(starts, t) - 1
        print("  chunk %6d  wall %8.1f us  cpu %8.1f us  %s"
              % (i, rows[i][0] / 1e3, rows[i][1] / 1e3, text[:100]))
    print("slowest %d chunks:" % slowest)
    for i in sorted(sorted(range(len(rows)), key=lambda i: -rows[i][0])[:slowest]):
        near = [text for t, text in events
                if starts[i] - 2_000_000 <= t <= starts[i] + rows[i][0] + 2_000_000]
        print("  chunk %6d  wall %8.1f us  cpu %8.1f us  %s"
              % (i, rows[i][0] / 1e3, rows[i][1] / 1e3,
                 ("near: " + near[0][:80]) if near else "no JVM event from 2 ms before to 2 ms after"))


if __name__ == "__main__":
    main()
