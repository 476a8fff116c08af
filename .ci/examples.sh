#!/usr/bin/env bash
# CI: publishes Stapes into a scratch file repository, then builds and runs the consumer projects in
# examples/ against it, as a project that depends on Stapes through Maven coordinates would.
#
# Honesty: the examples build with their own, empty local repository and a settings file that
# offers two repositories: the scratch repository (snapshots only: where every dev.stapes
# artifact, all 0.1.0-SNAPSHOT, must come from) and ~/.m2/repository read as a file repository
# with snapshots disabled (third-party releases, so that nothing is downloaded again; Central
# stays behind it for a plugin that is missing). So a Stapes artifact can come from nowhere but
# the scratch repository, and the script checks that each one did.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
start=$(date +%s)

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
repo="$scratch/repo"     # what `mvn deploy` publishes: the file repository
local="$scratch/m2"      # the examples' local repository: starts empty

mvn -B -q deploy -DskipTests -Dspotless.check.skip=true \
  -DaltDeploymentRepository="scratch::file://$repo"

# Every published library ships sources and javadoc, and the BOM lists every published artifact.
published=$(cd "$repo/dev/stapes" && ls | grep -v -x -e stapes-parent -e stapes-bom)
for a in $published; do
  for kind in sources javadoc; do
    ls "$repo/dev/stapes/$a"/0.1.0-SNAPSHOT/"$a"-0.1.0-*-"$kind".jar >/dev/null 2>&1 \
      || { echo "examples: $a has no $kind jar in the scratch repository" >&2; exit 1; }
  done
  grep -q "<artifactId>$a</artifactId>" bom/pom.xml \
    || { echo "examples: $a is published but bom/pom.xml does not pin it" >&2; exit 1; }
done
for a in stapes-cli stapes-bench; do
  [ ! -e "$repo/dev/stapes/$a" ] || { echo "examples: $a is published, expected only libraries" >&2; exit 1; }
done

cat >"$scratch/settings.xml" <<XML
<settings>
  <localRepository>$local</localRepository>
  <profiles><profile><id>scratch</id><repositories>
    <repository><id>stapes-scratch</id><url>file://$repo</url>
      <releases><enabled>false</enabled></releases><snapshots><enabled>true</enabled></snapshots></repository>
    <repository><id>third-party</id><url>file://$HOME/.m2/repository</url>
      <releases><enabled>true</enabled></releases><snapshots><enabled>false</enabled></snapshots></repository>
  </repositories><pluginRepositories>
    <pluginRepository><id>third-party-plugins</id><url>file://$HOME/.m2/repository</url>
      <releases><enabled>true</enabled></releases><snapshots><enabled>false</enabled></snapshots></pluginRepository>
  </pluginRepositories></profile></profiles>
  <activeProfiles><activeProfile>scratch</activeProfile></activeProfiles>
</settings>
XML

for ex in vad-wakeword injection; do
  (cd "examples/$ex" && mvn -B -q -s "$scratch/settings.xml" package)
done
# Each Stapes artifact the examples used was resolved from the scratch repository.
for f in "$local"/dev/stapes/*/0.1.0-SNAPSHOT/_remote.repositories; do
  grep -q '>stapes-scratch=' "$f" || { echo "examples: $f: not from the scratch repository" >&2; exit 1; }
done

fail() { echo "examples: $1" >&2; echo "$2" >&2; exit 1; }

# VAD + wake word on a clip in which "alexa" is spoken.
clip="$root/models/src/test/resources/wakeword/positive_alexa_alexa_en-us_160.wav"
out=$(cd examples/vad-wakeword && java -jar target/vad-wakeword-1.0.jar "$clip")
grep -q '^speech ' <<<"$out" || fail "vad-wakeword printed no speech segment" "$out"
grep -q '^wake word alexa at ' <<<"$out" || fail "vad-wakeword did not hear 'alexa'" "$out"
grep -q '^wake word hey_' <<<"$out" && fail "vad-wakeword heard another wake word" "$out"

# A PEFT LoRA (with a modules_to_save head) on a dynamo export with external data, checked
# against PEFT's own output.
peft="$root/engine/src/test/resources/inject/peft"
out=$(cd examples/injection && java -jar target/injection-1.0.jar "$peft/container.dynamo.onnx" \
  "$peft/adapters/container_task_a" features="$peft/inputs/container.features.npy" \
  tokens="$peft/inputs/container.tokens.npy" --expected "$peft/expected/container_task_a.npy") \
  || fail "injection failed or differs from PEFT's output" "$out"
grep -q '^max |' <<<"$out" || fail "injection printed no comparison" "$out"

echo "examples: published $(wc -w <<<"$published") libraries, built and ran 2 examples in $(( $(date +%s) - start )) s"
