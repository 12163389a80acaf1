#!/usr/bin/env bash
# Store benchmark: 3 sentinel JVMs on loopback; prints a table. Run it several times and quote
# medians: this machine is noisy. Usage: bench/store-bench.sh [elections=5] [seconds=10]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
echo "building..." >&2
mvn -B -q -DskipTests install >&2
WORK="$(mktemp -d /tmp/rhizome-store-bench.XXXXXX)"
if [[ -z "${RHIZOME_BENCH_KEEP:-}" ]]; then trap 'rm -rf "$WORK"' EXIT; else echo "keeping $WORK" >&2; fi
mvn -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" >&2
CP="$(cat "$WORK/classpath")"
# the sentinels run with the same JVM options as bin/rhizome; the benchmark client is a small
# JVM too, so it takes no more of the 2 cores than a keeper would
export RHIZOME_JAVA_OPTS="${RHIZOME_JAVA_OPTS:-$("$ROOT/bin/jvm-options")}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"  # as bin/rhizome sets it
java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "bench/target/classes:$CP" \
  io.rhizome.bench.StoreBench "$ROOT/cli/target/rhizome.jar" "$WORK" "${1:-5}" "${2:-10}"
