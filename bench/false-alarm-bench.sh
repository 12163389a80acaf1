#!/usr/bin/env bash
# Where false alarms begin (issue #18): the calm soak (bench/calm-soak.sh: pgbench through the proxy
# plus busy loops on every core) with stop-the-world pauses (SIGSTOP, then SIGCONT) of each daemon,
# of growing length, once per setting below. Prints, per setting, which pauses disturbed the cluster.
# Usage: bench/false-alarm-bench.sh [lengths_ms="500 1000 1500 2000 3000"] [repeats=1]
#   FALSE_ALARM_SETTINGS: one setting per line, LABEL|SPEC_PATCH_JSON|SENTINEL_ARGS (default below)
# Run it as an unprivileged user (PostgreSQL refuses root).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LENGTHS="${1:-500 1000 1500 2000 3000}"
REPEATS="${2:-1}"
DEFAULT_SETTINGS='defaults||
election-300ms||--election-timeout 300ms
fail-proxy-3s|{"failInterval":"3s","proxyTimeout":"3s"}|
fail-proxy-1.5s|{"failInterval":"1500ms","proxyTimeout":"1500ms"}|'
SETTINGS="${FALSE_ALARM_SETTINGS:-$DEFAULT_SETTINGS}"
TARGETS="sentinel-leader sentinel-follower keeper-master keeper-standby proxy"
pauses=()
for ms in $LENGTHS; do
  for r in $(seq 1 "$REPEATS"); do
    for t in $TARGETS; do pauses+=("$t:$ms"); done
  done
done
EVERY=15
SECS=$(( (${#pauses[@]} + 1) * EVERY + 10 ))
PAUSES="$(IFS=,; echo "${pauses[*]}")"
echo "pauses of $LENGTHS ms, each target $REPEATS time(s) per length, one every ${EVERY}s: ${SECS}s per setting" >&2
while IFS='|' read -r label patch sentinel_args; do
  [[ -z "$label" ]] && continue
  echo "## $label" ; echo
  CALM_LABEL="$label" CALM_SPEC_PATCH="$patch" CALM_SENTINEL_ARGS="$sentinel_args" CALM_PAUSES="$PAUSES" \
    CALM_PAUSE_EVERY="$EVERY" "$ROOT/bench/calm-soak.sh" "$SECS" 1
  echo
done <<<"$SETTINGS"
