#!/usr/bin/env bash
# Calm under load (issue #18): a healthy cluster (3 sentinels, 2 keepers, 1 proxy, default settings)
# under pgbench TPC-B through the proxy (16 clients) plus 2 busy loops on every core, for SECONDS;
# counts aborted clients, failovers, store leader changes, self-fences, PostgreSQL restarts and
# proxy-wide drops, and the longest time the store did not answer. Prints one table row per run.
# Usage: bench/calm-soak.sh [seconds=1800] [runs=1]
#   CALM_BASELINE=<git rev>: also run that commit's build, alternating with this one (before/after)
#   CALM_PAUSES=target:ms,...  CALM_PAUSE_EVERY=s: stop-the-world pauses (see CalmSoak.java)
#   CALM_SPEC_PATCH='{"failInterval":"3s"}'  CALM_SENTINEL_ARGS='--election-timeout 500ms'
#   CALM_CLIENTS (16), CALM_HOGS (2), CALM_SCALE (10); CALM_LABEL names this build's rows (no spaces)
# Run it as an unprivileged user (PostgreSQL refuses root), e.g. su rhizome-ci -c bench/calm-soak.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECS="${1:-1800}"
RUNS="${2:-1}"
if [[ "$(id -u)" == "0" ]]; then
  echo "calm-soak: PostgreSQL refuses to run as root; run it as an unprivileged user" >&2
  exit 2
fi
echo "building..." >&2
mvn -B -q -o -DskipTests install >&2 || mvn -B -q -DskipTests install >&2
WORK="$(mktemp -d /tmp/rhizome-calm-soak.XXXXXX)"
cleanup() {
  if [[ -n "${CALM_BASELINE:-}" ]]; then git -C "$ROOT" worktree remove --force "$WORK/baseline" >/dev/null 2>&1 || true; fi
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

BUILDS=("${CALM_LABEL:-this-build}=$ROOT")
if [[ -n "${CALM_BASELINE:-}" ]]; then
  rev="$(git rev-parse --short "$CALM_BASELINE")"
  echo "building the baseline $rev..." >&2
  git worktree add --detach "$WORK/baseline" "$rev" >&2
  (cd "$WORK/baseline" && { mvn -B -q -o -DskipTests package >&2 || mvn -B -q -DskipTests package >&2; })
  BUILDS+=("$rev=$WORK/baseline")
fi

echo "| build | run | seconds | pauses | TPS | aborted clients | pgbench starts | failovers | store leader changes | self-fences | PostgreSQL restarts | proxy drops | proxy fences | lease lapses | longest store gap (ms) | store gaps > 1 s | RSS MiB sentinel / keeper / proxy |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for run in $(seq 1 "$RUNS"); do
  for b in "${BUILDS[@]}"; do
    label="${b%%=*}"; tree="${b#*=}"; jar="$tree/cli/target/rhizome.jar"
    out="$WORK/run-$run-${label// /_}"
    mkdir -p "$out"
    # the bench JVM probes the store: it must not pause for long either
    RHIZOME_JAVA_OPTS="${RHIZOME_JAVA_OPTS:-$(jvm_options "$tree")}" java $("$ROOT/bin/jvm-options") -Xmx128m \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "bench/target/classes:$CP" io.rhizome.bench.CalmSoak \
      "$jar" "$out/cluster" "$SECS" > "$out/result" 2> "$out/stderr" || true
    line="$(grep '^RESULT ' "$out/result" || true)"
    grep '^PAUSE ' "$out/result" | sed "s/^PAUSE /$label /" >> "$WORK/pauses" || true
    if [[ -z "$line" ]]; then
      echo "| $label | $run | failed: see $out (RHIZOME_BENCH_KEEP=1 keeps it) |"
      continue
    fi
    get() { sed -E "s/.* $1=([^ ]*).*/\1/" <<<" ${line#RESULT }"; }
    echo "| $label | $run | $(get seconds) | $(get pauses) | $(get tps) | $(get abortedClients) | $(get pgbenchRuns) | $(get failovers) | $(get leaderChanges) | $(get selfFences) | $(get pgRestarts) | $(get proxyDrops) | $(get proxyFences) | $(get leaseLapses) | $(get storeGapMaxMs) | $(get storeGapsOver1s) | $(get sentinelRssMiB) / $(get keeperRssMiB) / $(get proxyRssMiB) |"
  done
done
if [[ -s "$WORK/pauses" ]]; then
  echo
  echo "Disruptions that began during a pause or within 5 s after it (summed over runs):"
  echo
  echo "| build | paused | pause (ms) | pauses | store leader changes | failovers | self-fences | proxy drops | proxy fences | lease lapses |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  awk '{
    label=$1; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    key = label "|" v["target"] "|" v["ms"]
    if (!(key in n)) order[++k] = key
    n[key] += v["n"]; lc[key] += v["leaderChanges"]; fo[key] += v["failovers"]; sf[key] += v["selfFences"]
    pd[key] += v["proxyDrops"]; pf[key] += v["proxyFences"]; ll[key] += v["leaseLapses"]
  } END {
    for (i = 1; i <= k; i++) { key = order[i]; split(key, p, "|")
      printf "| %s | %s | %s | %d | %d | %d | %d | %d | %d | %d |\n", p[1], p[2], p[3], n[key], lc[key], fo[key], sf[key], pd[key], pf[key], ll[key] }
  }' "$WORK/pauses"
fi
