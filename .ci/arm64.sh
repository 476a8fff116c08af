#!/usr/bin/env bash
# CI, Linux ARM64: runs the shipped jar JAR with the ARM64 JDK under qemu-aarch64-static
# (-cpu cortex-a72, the Raspberry Pi 4's core) and on this x86 machine, and compares the outputs:
# segments, detections and other text exactly, .npy tensors and WAV audio within 1e-5
# (dev.stapes.bench.ci.OutputDiff). Also checks that libstapes-rt loads on ARM64 and that its
# thread-CPU clock advances ('stapes --version').
#
# Usage: .ci/arm64.sh JAR [TOOLS_JAR]   (TOOLS_JAR holds OutputDiff: bench's stapes-bench.jar;
#        default JAR itself)
# Needs (Debian, after 'dpkg --add-architecture arm64'): qemu-user-static,
# openjdk-17-jre-headless:arm64; .ci/run installs them. Models as for the other CI steps
# (STAPES_MODEL_MIRROR for kwt1 and gtcrn, the store's cache for the rest).
# Environment: STAPES_QEMU_CPU (default cortex-a72; docs/arm64.md on why not qemu's 'max'),
# STAPES_ARM64_JAVA (default /usr/lib/jvm/java-17-openjdk-arm64/bin/java).
# Exits 1 with one line naming the command and the difference on a mismatch.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: .ci/arm64.sh JAR [TOOLS_JAR]" >&2
  exit 2
fi
jar="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
tools="${2:-$1}"
tools="$(cd "$(dirname "$tools")" && pwd)/$(basename "$tools")"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="$(cd "$root/../shared/corpus" 2>/dev/null && pwd)" || {
  echo "arm64: the shared corpus ../shared/corpus is missing" >&2
  exit 1
}
inject="$root/engine/src/test/resources/inject"
cpu="${STAPES_QEMU_CPU:-cortex-a72}"
arm_java="${STAPES_ARM64_JAVA:-/usr/lib/jvm/java-17-openjdk-arm64/bin/java}"
qemu="$(command -v qemu-aarch64-static || true)"
[ -f "$jar" ] || { echo "arm64: no jar at $jar" >&2; exit 1; }
[ -n "$qemu" ] || { echo "arm64: qemu-aarch64-static is missing (apt-get install qemu-user-static)" >&2; exit 1; }
[ -x "$arm_java" ] || {
  echo "arm64: no ARM64 JDK at $arm_java (dpkg --add-architecture arm64; apt-get install openjdk-17-jre-headless:arm64)" >&2
  exit 1
}

# Short runs under emulation: the C1 compiler only (C2's compile time does not pay back here).
arm_opts=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC)
work="$(mktemp -d "${TMPDIR:-/tmp}/stapes-arm64.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/x86" "$work/arm64"

secs() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(secs)" 'BEGIN { printf "%.1f", b - a }'; }

# run NAME ARGS...: runs 'stapes ARGS' in $work/x86/NAME and $work/arm64/NAME (outputs are named
# relative to the current directory, so that the two runs print the same text); stdout goes to
# NAME/stdout.txt, stderr to NAME.err beside it.
run() {
  local name="$1"
  shift
  local plat t0 rc
  for plat in x86 arm64; do
    mkdir -p "$work/$plat/$name"
    t0="$(secs)"
    rc=0
    if [ "$plat" = x86 ]; then
      (cd "$work/$plat/$name" && timeout 300 java -jar "$jar" "$@") \
        >"$work/$plat/$name/stdout.txt" 2>"$work/$plat/$name.err" || rc=$?
    else
      (cd "$work/$plat/$name" && timeout 600 "$qemu" -cpu "$cpu" "$arm_java" "${arm_opts[@]}" -jar "$jar" "$@") \
        >"$work/$plat/$name/stdout.txt" 2>"$work/$plat/$name.err" || rc=$?
    fi
    if [ "$rc" -ne 0 ]; then
      echo "arm64: '$name' failed on $plat (exit $rc): $(grep -v '^onnxruntime cpuid_info warning' "$work/$plat/$name.err" | tail -n 1)" >&2
      exit 1
    fi
    printf '  %-9s %-6s %6s s\n' "$name" "$plat" "$(elapsed "$t0")"
  done
}

# compare NAME [FILE...]: OutputDiff over NAME's whole directory, or over the named files only.
compare() {
  local name="$1"
  shift
  local files=("$@") d
  [ ${#files[@]} -gt 0 ] || files=(.)
  for f in "${files[@]}"; do
    if ! d="$(java -cp "$tools" dev.stapes.bench.ci.OutputDiff "$work/x86/$name/$f" "$work/arm64/$name/$f" 1e-5)"; then
      echo "arm64: '$name' differs from x86: ${d:-OutputDiff failed}" >&2
      exit 1
    fi
  done
}

t_all="$(secs)"
echo "arm64: $jar under qemu-aarch64-static -cpu $cpu with $("$qemu" -cpu "$cpu" "$arm_java" -Xint -XX:+UseSerialGC -version 2>&1 | head -n 1)"

# libstapes-rt on ARM64, and its thread-CPU clock.
version="$("$qemu" -cpu "$cpu" "$arm_java" -Xint -XX:+UseSerialGC -jar "$jar" --version 2>&1)" || {
  echo "arm64: 'stapes --version' failed on arm64: $(echo "$version" | tail -n 1)" >&2
  exit 1
}
native="$(echo "$version" | grep '^native: ' || true)"
case "$native" in
  "native: libstapes-rt loaded (libstapes-rt-linux-aarch64.so); thread CPU clock "*" works "*) ;;
  *)
    echo "arm64: libstapes-rt not working on arm64: ${native:-no 'native:' line in 'stapes --version'}" >&2
    exit 1
    ;;
esac
echo "  $native"

run vad vad --json "$corpus/jfk_16k.wav"
compare vad
run wakeword wakeword --json -k hey_mycroft "$corpus/hey_mycroft_test.wav"
compare wakeword
run kws kws --json "$corpus/yes_1000ms.wav"
compare kws
# enhance prints its wall time: compare the audio only.
run enhance enhance --out enhanced.wav "$corpus/hey_jane.wav"
compare enhance enhanced.wav
run features features --preset kaldi-fbank --out fbank.npy "$corpus/no_1000ms.wav"
compare features
run infer infer --model "$inject/bert.onnx" --lora "$inject/bert/lora1" \
  --input "features=$inject/bert.input.npy" --out out
compare infer

echo "arm64: vad, wakeword, kws, enhance, features, infer (LoRA injected) give the x86 answers; $(elapsed "$t_all") s in all"
