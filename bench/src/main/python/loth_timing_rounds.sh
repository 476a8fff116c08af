#!/usr/bin/env bash
# Alternates the onnxruntime Python baseline and JMH LothBenchmark on the same model and input
# (docs/hearable-8ms.md). Run from the repository root after building bench/target/benchmarks.jar
# and generating the model:  bench/src/main/python/loth_timing_rounds.sh [ROUNDS] [OUTDIR]
set -euo pipefail
rounds="${1:-2}"
out="${2:-/tmp/loth-timing}"
dir="../shared/models/loth"
py="${PYTHON:-/tmp/fixvenv/bin/python}"
mkdir -p "$out"
uptime | tee "$out/uptime-start.txt"
for r in $(seq 1 "$rounds"); do
  "$py" bench/src/main/python/time_loth_ort.py --dir "$dir" --label "round$r" | tee "$out/python-$r.txt"
  java -jar bench/target/benchmarks.jar -f 3 -wi 3 -w 2s -i 5 -r 2s -prof gc \
    -rf json -rff "$out/jmh-$r.json" LothBenchmark | tee "$out/jmh-$r.txt"
  uptime | tee -a "$out/uptime-rounds.txt"
done
"$py" bench/src/main/python/time_loth_ort.py --dir "$dir" --label "final" | tee "$out/python-final.txt"
uptime | tee "$out/uptime-end.txt"
