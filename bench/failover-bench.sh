#!/usr/bin/env bash
# Failover benchmark: 3 sentinels, 2 keepers (real PostgreSQL), 1 proxy, default settings, a client
# writing through the proxy. ROUNDS unplanned failovers (kill -9 of the master's keeper and
# PostgreSQL) and ROUNDS switchovers; prints the write-unavailability window and its breakdown.
# Must run as a user PostgreSQL accepts (not root). Usage: bench/failover-bench.sh [rounds=5]
# FAILOVER_BASELINE=<git rev>: then that commit's build, then this one again (before/after in one run).
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
cleanup() {
  if [[ -d "$WORK/baseline" ]]; then git -C "$ROOT" worktree remove --force "$WORK/baseline" >/dev/null 2>&1 || true; fi
  if [[ -z "${RHIZOME_BENCH_KEEP:-}" ]]; then rm -rf "$WORK"; else echo "keeping $WORK" >&2; fi
}
trap cleanup EXIT
mvn -B -q -o -pl bench dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" >&2 \
  || mvn -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" >&2
CP="$(cat "$WORK/classpath")"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
# each build runs with its own bin/jvm.options (RHIZOME_JAVA_OPTS overrides both)
jvm_options() {
  if [[ -x "$1/bin/jvm-options" ]]; then "$1/bin/jvm-options"; else cat "$1/bin/jvm.options"; fi
}
run() { # LABEL TREE
  echo "### $1"; echo
  RHIZOME_JAVA_OPTS="${RHIZOME_JAVA_OPTS:-$(jvm_options "$2")}" java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "bench/target/classes:$CP" io.rhizome.bench.FailoverBench \
    "$2/cli/target/rhizome.jar" "$WORK/run-${1//[^A-Za-z0-9._-]/_}" "${ROUNDS}"
  echo
}
ROUNDS="${1:-5}"
run "this build" "$ROOT"
if [[ -n "${FAILOVER_BASELINE:-}" ]]; then
  rev="$(git rev-parse --short "$FAILOVER_BASELINE")"
  echo "building the baseline $rev..." >&2
  git worktree add --detach "$WORK/baseline" "$rev" >&2
  (cd "$WORK/baseline" && { mvn -B -q -o -DskipTests package >&2 || mvn -B -q -DskipTests package >&2; })
  run "$rev" "$WORK/baseline"
  run "this build, again" "$ROOT"
fi
