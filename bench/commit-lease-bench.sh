#!/usr/bin/env bash
# What the commit lease costs: one keeper (real PostgreSQL) and 3 sentinels; pgbench TPC-B-like at
# 8 clients and at 1 client straight to PostgreSQL with commitLease on and off in turns; prints TPS,
# latency, the keeper's CPU per transaction and the ratios. Must run as a user PostgreSQL accepts.
# Usage: bench/commit-lease-bench.sh [rounds=3] [seconds=10]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ "$(id -u)" == "0" ]]; then
  echo "commit-lease-bench: PostgreSQL refuses to run as root; run it as an unprivileged user" >&2
  exit 1
fi
PGBENCH="$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1)"
if [[ -z "$PGBENCH" ]]; then echo "commit-lease-bench: pgbench not found (apt-get install postgresql)" >&2; exit 1; fi
echo "building..." >&2
mvn -B -q -o -DskipTests install >&2 || mvn -B -q -DskipTests install >&2
WORK="$(mktemp -d /tmp/rhizome-lease-bench.XXXXXX)"
if [[ -z "${RHIZOME_BENCH_KEEP:-}" ]]; then trap 'rm -rf "$WORK"' EXIT; else echo "keeping $WORK" >&2; fi
mvn -B -q -o -pl bench dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" >&2 \
  || mvn -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" >&2
CP="$(cat "$WORK/classpath")"
export RHIZOME_JAVA_OPTS="${RHIZOME_JAVA_OPTS:-$("$ROOT/bin/jvm-options")}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
  -cp "bench/target/classes:$CP" io.rhizome.bench.CommitLeaseBench "$ROOT/cli/target/rhizome.jar" "$WORK/run" \
  "${1:-3}" "${2:-10}" "$PGBENCH"
