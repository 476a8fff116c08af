#!/usr/bin/env bash
# Regenerates docs/performance.md: the C log-mel baseline on FFTW, the JMH suite (SampleTime,
# -prof gc, several forks), and one pipeline at the real-time pace under CPU load, with and
# without --realtime (and, when run as root, with --realtime as an unprivileged user).
#
#   bench/report.sh                      # everything, short settings (about 20 minutes here)
#   FORKS=1 ITER=2 bench/report.sh Vad   # a quicker pass over the benchmarks matching 'Vad'
#   STEPS=stress bench/report.sh         # only the load test; earlier results are kept
#
# Settings (environment): STEPS ("c jmh stress"), FORKS (3), WARMUP_ITER (2), ITER (3),
# ITER_TIME (1s), STRESS_SECONDS (30), STRESS_PIPELINE (enhance), OUT (docs/performance.md),
# STAPES_BENCH_DYNAMO (bench/target/dynamo-12l: InjectionDynamoBenchmark's torch dynamo export,
# generated there with /tmp/fixvenv when missing; without the venv that benchmark is left out).
# The C baseline and JMH run under nice; the load for the stress part is one busy loop per CPU,
# started and stopped here.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
filter="${1:-}"
steps="${STEPS:-c jmh stress}"
forks="${FORKS:-3}"
wi="${WARMUP_ITER:-2}"
iter="${ITER:-3}"
itime="${ITER_TIME:-1s}"
stress_s="${STRESS_SECONDS:-30}"
stress_pipeline="${STRESS_PIPELINE:-enhance}"
out="${OUT:-docs/performance.md}"
dir="bench/target/report"
mkdir -p "$dir" "$(dirname "$out")"
has() { [[ " $steps " == *" $1 "* ]]; }

echo "report: building (stapes-bench.jar, benchmarks.jar)" >&2
./stapes bench --help >/dev/null
jar=bench/target/benchmarks.jar

if has c; then
  rm -f "$dir/c-logmel.json"
  if command -v gcc >/dev/null && [ -f /usr/include/fftw3.h ]; then
    echo "report: C baseline (bench/src/main/c/logmel_fftw.c on FFTW)" >&2
    gcc -O3 -march=native -o bench/target/logmel_fftw bench/src/main/c/logmel_fftw.c -lfftw3f -lm
    for i in 1 2 3; do nice bench/target/logmel_fftw 200000 20000 >>"$dir/c-logmel.json"; done
  else
    echo "report: no gcc or no libfftw3-dev: the C baseline row is left out" >&2
  fi
fi

if has jmh; then
  rm -f "$dir/jmh.json" "$dir/meta.txt"
  jmh_cmd=(java -jar "$jar" -f "$forks" -wi "$wi" -w "$itime" -i "$iter" -r "$itime" -prof gc
    -rf json -rff "$dir/jmh.json")
  # InjectionDynamoBenchmark reads a torch dynamo export that is not committed (41 MB): generate
  # it with the fixture venv when it is missing, else leave the benchmark out with a message.
  dynamo_dir="$(realpath -m "${STAPES_BENCH_DYNAMO:-bench/target/dynamo-12l}")"
  dynamo_selected=$([ -z "$filter" ] && echo yes || true)
  for row in base bound merged taskSwitch taskSwitchAndCall; do
    [[ "dev.stapes.bench.jmh.InjectionDynamoBenchmark.$row" =~ $filter ]] && dynamo_selected=yes
  done
  if [ -n "$dynamo_selected" ]; then
    if [ ! -f "$dynamo_dir/manifest.json" ] && [ -x /tmp/fixvenv/bin/python ]; then
      echo "report: generating the dynamo export for InjectionDynamoBenchmark in $dynamo_dir" >&2
      /tmp/fixvenv/bin/python engine/src/test/python/make_peft_fixtures.py --large "$dynamo_dir" \
        >"$dir/dynamo-export.log" 2>&1 || { tail -n 30 "$dir/dynamo-export.log" >&2; exit 1; }
    fi
    if [ -f "$dynamo_dir/manifest.json" ]; then
      jmh_cmd+=(-jvmArgsAppend "-Dstapes.bench.dynamo=$dynamo_dir")
    else
      echo "report: no dynamo export in $dynamo_dir and no /tmp/fixvenv: InjectionDynamoBenchmark" \
        "is left out (make it with: /tmp/fixvenv/bin/python" \
        "engine/src/test/python/make_peft_fixtures.py --large $dynamo_dir)" >&2
      jmh_cmd+=(-e InjectionDynamoBenchmark)
    fi
  fi
  [ -n "$filter" ] && jmh_cmd+=("$filter")
  echo "report: ${jmh_cmd[*]}" >&2
  nice "${jmh_cmd[@]}" >"$dir/jmh.log" 2>&1 || { tail -n 30 "$dir/jmh.log" >&2; exit 1; }
  {
    echo "JMH settings=-f $forks -wi $wi -w $itime -i $iter -r $itime -prof gc (Mode.SampleTime)"
    echo "machine load=shared development machine; other processes ran during the measurement"
  } >"$dir/meta.txt"
fi

if has stress && [ "$stress_s" -gt 0 ]; then
  rm -f "$dir"/stress-*
  input=()
  seconds_per_pass=10
  case "$stress_pipeline" in
    enhance)
      [ -f ../shared/models/gtcrn/mix.wav ] && input=(--input ../shared/models/gtcrn/mix.wav) \
        && seconds_per_pass=9 ;;
    *)
      [ -f ../shared/corpus/jfk_16k.wav ] && input=(--input ../shared/corpus/jfk_16k.wav) \
        && seconds_per_pass=11 ;;
  esac
  # Enough passes over the input for about STRESS_SECONDS of audio at the real-time pace.
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
  modes=(normal realtime)
  if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null; then
    modes+=(realtime-unprivileged)
  fi
  rt_args=(bench rt --pipeline "$stress_pipeline" "${input[@]}" --repeat "$repeat" --pace realtime)
  for mode in "${modes[@]}"; do
    echo "report: $stress_pipeline at the real-time pace under load ($ncpu busy loops), $mode" >&2
    start_load
    case "$mode" in
      normal) cmd=(java -jar bench/target/stapes-bench.jar "${rt_args[@]}" --json "$dir/stress-$mode.json") ;;
      realtime) cmd=(java -jar bench/target/stapes-bench.jar "${rt_args[@]}" --realtime
        --json "$dir/stress-$mode.json") ;;
      realtime-unprivileged)
        # The same as an ordinary user: the kernel refuses SCHED_FIFO (EPERM) and the memory lock
        # beyond RLIMIT_MEMLOCK; pinning remains.
        tmp_home="$(mktemp -d)"; chmod 777 "$tmp_home" "$dir"
        cmd=(runuser -u nobody -- env HOME="$tmp_home" STAPES_MODEL_MIRROR="${STAPES_MODEL_MIRROR:-}"
          java -jar bench/target/stapes-bench.jar "${rt_args[@]}" --realtime
          --json "$dir/stress-$mode.json") ;;
    esac
    "${cmd[@]}" >"$dir/stress-$mode.log" 2>&1 || { cat "$dir/stress-$mode.log" >&2; stop_load; exit 1; }
    stop_load
  done
  cat >"$dir/stress-about.txt" <<TXT
Pipeline \`$stress_pipeline\`, fed at the real-time pace for about ${stress_s} s (\`./stapes bench rt --pipeline $stress_pipeline ${input[*]} --repeat $repeat --pace realtime [--realtime]\`) while $ncpu busy loops (\`while :; do :; done\`, one per CPU) load every CPU; busy loops and harness run at niceness $(nice), and the other tenants of this shared machine kept running. \`--realtime\` pins the harness thread to the last CPU, asks for SCHED_FIFO priority 80 and locks memory; other threads of the JVM (JIT, GC) are not changed. The unprivileged row runs the same command as user \`nobody\` (no CAP_SYS_NICE, RLIMIT_RTPRIO 0, RLIMIT_MEMLOCK 8 MiB).
TXT
fi

cmd="bench/report.sh${filter:+ $filter}"
[ "$forks$wi$iter$itime" != "3231s" ] && cmd="FORKS=$forks WARMUP_ITER=$wi ITER=$iter ITER_TIME=$itime $cmd"
java -cp "$jar" dev.stapes.bench.report.PerformanceReport "$dir" "$out" "$cmd"

# The README keeps one summary line per figure, written by hand from this report.
