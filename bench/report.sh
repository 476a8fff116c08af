#!/usr/bin/env bash
# Regenerates docs/performance.md: the C log-mel baseline on FFTW, the JMH suite (SampleTime,
# -prof gc, several forks), and one pipeline under CPU load with and without --realtime.
#
#   bench/report.sh                      # everything, short settings (about 10 minutes)
#   FORKS=1 ITER=2 bench/report.sh Vad   # a quicker pass over the benchmarks matching 'Vad'
#
# Settings (environment): FORKS (3), WARMUP_ITER (2), ITER (3), ITER_TIME (1s),
# STRESS_SECONDS (30), STRESS_PIPELINE (vad), OUT (docs/performance.md). Everything runs under
# nice; the load for the stress part is one busy loop per CPU, started and stopped here.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
filter="${1:-}"
forks="${FORKS:-3}"
wi="${WARMUP_ITER:-2}"
iter="${ITER:-3}"
itime="${ITER_TIME:-1s}"
stress_s="${STRESS_SECONDS:-30}"
stress_pipeline="${STRESS_PIPELINE:-vad}"
out="${OUT:-docs/performance.md}"
dir="bench/target/report"
mkdir -p "$dir" "$(dirname "$out")"
rm -f "$dir"/*.json "$dir"/*.log "$dir"/*.txt

echo "report: building (stapes.jar, benchmarks.jar)" >&2
./stapes --version >/dev/null
jar=bench/target/benchmarks.jar

if command -v gcc >/dev/null && [ -f /usr/include/fftw3.h ]; then
  echo "report: C baseline (bench/src/main/c/logmel_fftw.c on FFTW)" >&2
  gcc -O3 -march=native -o bench/target/logmel_fftw bench/src/main/c/logmel_fftw.c -lfftw3f -lm
  for i in 1 2 3; do nice bench/target/logmel_fftw 200000 20000 >>"$dir/c-logmel.json"; done
else
  echo "report: no gcc or no libfftw3-dev: the C baseline row is left out" >&2
fi

jmh_cmd=(java -jar "$jar" -f "$forks" -wi "$wi" -w "$itime" -i "$iter" -r "$itime" -prof gc
  -rf json -rff "$dir/jmh.json")
[ -n "$filter" ] && jmh_cmd+=("$filter")
echo "report: ${jmh_cmd[*]}" >&2
nice "${jmh_cmd[@]}" >"$dir/jmh.log" 2>&1 || { tail -n 30 "$dir/jmh.log" >&2; exit 1; }

if [ "$stress_s" -gt 0 ]; then
  input=()
  [ -f ../shared/corpus/jfk_16k.wav ] && input=(--input ../shared/corpus/jfk_16k.wav)
  # Enough passes over the input for about STRESS_SECONDS of audio at the real-time pace.
  seconds_per_pass=10
  [ ${#input[@]} -gt 0 ] && seconds_per_pass=11
  repeat=$(( (stress_s + seconds_per_pass - 1) / seconds_per_pass ))
  ncpu=$(nproc)
  load_pids=()
  start_load() {
    for _ in $(seq "$ncpu"); do (while :; do :; done) & load_pids+=($!); done
  }
  stop_load() {
    for p in "${load_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait "${load_pids[@]}" 2>/dev/null || true
    load_pids=()
  }
  trap stop_load EXIT
  for mode in normal realtime; do
    flags=()
    [ "$mode" = realtime ] && flags=(--realtime)
    echo "report: $stress_pipeline at the real-time pace under load ($ncpu busy loops), $mode" >&2
    start_load
    java -jar bench/target/stapes.jar bench rt --pipeline "$stress_pipeline" "${input[@]}" \
      --repeat "$repeat" --pace realtime --json "$dir/stress-$mode.json" "${flags[@]}" \
      >"$dir/stress-$mode.log" 2>&1 || { cat "$dir/stress-$mode.log" >&2; stop_load; exit 1; }
    stop_load
  done
  cat >"$dir/stress-about.txt" <<TXT
Pipeline \`$stress_pipeline\`, fed at the real-time pace for about ${stress_s} s (\`./stapes bench rt --pipeline $stress_pipeline ${input[*]} --repeat $repeat --pace realtime [--realtime]\`) while $ncpu busy loops (\`while :; do :; done\`, one per CPU) load every CPU; busy loops and harness run at niceness $(nice), and the other tenants of this shared machine kept running. \`--realtime\` pins the harness thread to the last CPU, asks for SCHED_FIFO priority 80 and locks memory; other threads of the JVM (JIT, GC, ONNX Runtime's pool if any) are not changed.
TXT
fi

cmd="bench/report.sh${filter:+ $filter}"
[ "$forks$wi$iter$itime" != "3231s" ] && cmd="FORKS=$forks WARMUP_ITER=$wi ITER=$iter ITER_TIME=$itime $cmd"
{
  echo "JMH settings=-f $forks -wi $wi -w $itime -i $iter -r $itime -prof gc (Mode.SampleTime)"
  echo "machine load=shared development machine; other processes ran during the measurement"
} >"$dir/meta.txt"
java -cp "$jar" dev.stapes.bench.report.PerformanceReport "$dir" "$out" "$cmd"
