#!/usr/bin/env bash
# The enrollment proof of docs/enroll.md: generates the espeak-ng evaluation clips, builds the
# command line, enrolls "hey nova" and "hey jarvis" from the committed takes on one core, measures
# recall, false accepts per hour, near misses and the pre-trained hey_jarvis on the same clips, and
# writes results.json, curve.png and the two .task files to OUT (default bench/target/enroll-proof-out).
# Needs espeak-ng and sox (apt-get install espeak-ng sox) and the shared corpus (../shared/corpus).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/bench/target/enroll-proof-out}"
corpus="${STAPES_CORPUS:-$root/../shared/corpus}"
"$root/bench/enroll/generate-proof.sh" "$root/bench/target/enroll-proof"
"$root/stapes" --version >/dev/null # builds bench/target/stapes.jar when sources changed
cpu="$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')"
taskset -c "$cpu" java ${STAPES_JAVA_OPTS:-} -cp "$root/bench/target/stapes.jar" \
  dev.stapes.bench.enroll.EnrollProof "$root/bench/target/enroll-proof" \
  "$root/models/src/test/resources/enroll" "$corpus" "$out"
echo "results in $out"
