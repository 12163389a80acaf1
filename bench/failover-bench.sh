#!/usr/bin/env bash
# Failover benchmark: 3 sentinels, 2 keepers (real PostgreSQL), 1 proxy, default settings, a client
# writing through the proxy. ROUNDS unplanned failovers (kill -9 of the master's keeper and
# PostgreSQL) and ROUNDS switchovers; prints the write-unavailability window and its breakdown.
# Must run as a user PostgreSQL accepts (not root). Usage: bench/failover-bench.sh [rounds=5]
# RHIZOME_BENCH_SPEC_PATCH='{"commitLease": false}' changes the cluster spec after init (to compare settings).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ "$(id -u)" == "0" ]]; then
  echo "failover-bench: PostgreSQL refuses to run as root; run it as an unprivileged user" >&2
  exit 1
fi
echo "building..." >&2
mvn -B -q -o -DskipTests install >&2 || mvn -B -q -DskipTests install >&2
WORK="$(mktemp -d /tmp/rhizome-failover-bench.XXXXXX)"
if [[ -z "${RHIZOME_BENCH_KEEP:-}" ]]; then trap 'rm -rf "$WORK"' EXIT; else echo "keeping $WORK" >&2; fi
mvn -B -q -o -pl bench dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" >&2 \
  || mvn -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" >&2
CP="$(cat "$WORK/classpath")"
export RHIZOME_JAVA_OPTS="${RHIZOME_JAVA_OPTS:-$("$ROOT/bin/jvm-options")}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
  -cp "bench/target/classes:$CP" io.rhizome.bench.FailoverBench "$ROOT/cli/target/rhizome.jar" "$WORK/run" "${1:-5}"
