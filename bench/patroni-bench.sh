#!/usr/bin/env bash
# The failover benchmark's baseline: Patroni 3.0.2 (Debian's patroni and etcd-server packages)
# with two PostgreSQL nodes behind HAProxy, measured by the same client as bench/failover-bench.sh.
# ROUNDS unplanned failovers (kill -9 of the leader's Patroni and PostgreSQL) and ROUNDS
# switchovers, for each timing profile (default: Patroni's defaults, then the fastest 3.0.2 accepts).
# Must run as a user PostgreSQL accepts (not root).
# Usage: bench/patroni-bench.sh [rounds=5] [default|fast ...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ "$(id -u)" == "0" ]]; then
  echo "patroni-bench: PostgreSQL refuses to run as root; run it as an unprivileged user" >&2
  exit 1
fi
for tool in patroni patronictl etcd haproxy; do
  if ! command -v "$tool" >/dev/null && [[ ! -x /usr/sbin/$tool ]]; then
    echo "patroni-bench: $tool is not installed (as root: apt-get install -y patroni etcd-server haproxy)" >&2
    exit 1
  fi
done
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
echo "building..." >&2
mvn -B -q -o -DskipTests install >&2 || mvn -B -q -DskipTests install >&2
WORK="$(mktemp -d /tmp/rhizome-patroni-bench.XXXXXX)"
if [[ -z "${RHIZOME_BENCH_KEEP:-}" ]]; then trap 'rm -rf "$WORK"' EXIT; else echo "keeping $WORK" >&2; fi
mvn -B -q -o -pl bench dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" >&2 \
  || mvn -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" >&2
CP="$(cat "$WORK/classpath")"
ROUNDS="${1:-5}"
shift || true
java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
  -cp "bench/target/classes:$CP" io.rhizome.bench.PatroniBench "$WORK/run" "$ROUNDS" "$PGBIN" "$@"
