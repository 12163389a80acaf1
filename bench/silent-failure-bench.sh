#!/usr/bin/env bash
# Silent-failure benchmark (issue #19): the write-unavailability window through the proxy when the
# master's host is silently isolated or powered off, on hosts made of network namespaces, beside
# kill -9 of the master's keeper and PostgreSQL on loopback in the same run. Synchronous
# replication, default timings, 3 keepers; ROUNDS rounds of each fault; every cluster's whole
# history is judged at the end (zero lost, no split brain). Prints a table (docs/benchmarks.md).
# Needs the host bed: as root run `.ci/run setup` once, then this script as rhizome-ci (PostgreSQL
# refuses root). Takes about 1.5 min per round of the three faults.
# Usage: bench/silent-failure-bench.sh [rounds=10]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ "$(id -u)" == "0" ]]; then
  echo "silent-failure-bench: PostgreSQL refuses to run as root; run it as rhizome-ci (after .ci/run setup as root)" >&2
  exit 1
fi
ROUNDS="${1:-10}"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "silent-failure-bench: rounds must be a positive number, not '$ROUNDS'" >&2; exit 2; }
WORK="$(mktemp -d /tmp/rhizome-silent-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
echo "building..." >&2
mvn -B -q -o -DskipTests install >&2 || mvn -B -q -DskipTests install >&2
echo "running $ROUNDS rounds of each fault (logs: chaos-tests/target/surefire-reports)..." >&2
mvn -B -q -o -pl chaos-tests verify -Psilent-bench -Dbench.rounds="$ROUNDS" -Dbench.out="$WORK/table.md" >&2
echo "## Silent failures: write window through the proxy (sync, default timings), $ROUNDS rounds, $(date -u +%F)"
echo
cat "$WORK/table.md"
