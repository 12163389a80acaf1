#!/usr/bin/env bash
# Proxy benchmark: pgbench against one PostgreSQL three ways, alternating within each round:
# direct, through `rhizome proxy`, through HAProxy (tcp mode). Prints one table.
# Usage: bench/proxy-bench.sh [rounds=3] [seconds=10]
# PROXY_BENCH_PIN=1: PostgreSQL and pgbench on CPU 0, the proxies (and the sentinel) on CPU 1, as
#   when the proxy runs on a host or core of its own; by default all share every core.
# RHIZOME_PROXY_VARIANTS: compare proxy settings in one run (see below).
# Run it as an unprivileged user (PostgreSQL refuses root), e.g. su rhizome-ci -c bench/proxy-bench.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROUNDS="${1:-3}"
SECONDS_PER_RUN="${2:-10}"
CLIENTS=8
THREADS=2
IDLE=1000
if [[ "$(id -u)" == "0" ]]; then
  echo "proxy-bench: PostgreSQL refuses to run as root; run as an unprivileged user" >&2
  exit 2
fi
PIN="${PROXY_BENCH_PIN:-}"
if [[ -n "$PIN" && "$(nproc)" -lt 2 ]]; then echo "proxy-bench: PROXY_BENCH_PIN needs 2 CPUs" >&2; exit 2; fi
ON_DB=(); ON_PROXY=(); HAPROXY_THREADS=2
if [[ -n "$PIN" ]]; then ON_DB=(taskset -c 0); ON_PROXY=(taskset -c 1); HAPROXY_THREADS=1; fi
PGBIN="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
HAPROXY="$(command -v haproxy || true)"
if [[ -z "$HAPROXY" && -x /usr/sbin/haproxy ]]; then HAPROXY=/usr/sbin/haproxy; fi
if [[ -z "$HAPROXY" ]]; then
  echo "proxy-bench: haproxy is not installed (as root: apt-get install -y haproxy); the HAProxy column is skipped" >&2
fi

echo "building..." >&2
mvn -B -q -o -DskipTests install >&2 || mvn -B -q -DskipTests install >&2
WORK="$(mktemp -d /tmp/rhizome-proxy-bench.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  if [[ -z "${RHIZOME_BENCH_KEEP:-}" ]]; then rm -rf "$WORK"; else echo "keeping $WORK" >&2; fi
}
trap cleanup EXIT
mvn -B -q -o -pl bench dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" >&2 \
  || mvn -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" >&2
CP="$(cat "$WORK/classpath")"
JAR="$ROOT/cli/target/rhizome.jar"
JVM_OPTS="${RHIZOME_JAVA_OPTS:-$("$ROOT/bin/jvm-options")}"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"  # as bin/rhizome sets it

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PG_PORT=$(free_port); STORE_PORT=$(free_port); HAPROXY_PORT=$(free_port)

echo "PostgreSQL on $PG_PORT..." >&2
mkdir -p "$WORK/sock"
"$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --no-sync -E UTF8 --locale=C >/dev/null
cat >> "$WORK/pg/postgresql.auto.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$WORK/sock'
max_connections = $((IDLE + 100))
shared_buffers = 256MB
CONF
"${ON_DB[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -t 60 start >/dev/null
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s 10 -q postgres >/dev/null 2>&1

echo "sentinel on $STORE_PORT..." >&2
"${ON_PROXY[@]}" java $JVM_OPTS -jar "$JAR" sentinel --cluster-name bench --id s1 --data-dir "$WORK/s1" \
  --peers "s1=127.0.0.1:$STORE_PORT" >"$WORK/sentinel.log" 2>&1 &
PIDS+=($!)
java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
  -cp "bench/target/classes:$CP" io.rhizome.bench.ProxyBenchData "127.0.0.1:$STORE_PORT" bench 127.0.0.1 "$PG_PORT"
# Proxy variants, one per line "name|JVM options|proxy flags" (RHIZOME_PROXY_VARIANTS), to compare
# settings in the same run; the first is the one whose memory is measured. Default: as bin/rhizome
# starts it.
VARIANTS="${RHIZOME_PROXY_VARIANTS:-rhizome|$JVM_OPTS|}"
TARGETS=(direct:$PG_PORT)
declare -A PID_OF  # target -> the proxy process whose CPU time is charged to it
PROXY_PID=""
n=0
while IFS='|' read -r vname vopts vargs; do
  [[ -z "$vname" ]] && continue
  port=$(free_port); n=$((n + 1))
  "${ON_PROXY[@]}" java $vopts -jar "$JAR" proxy --cluster-name bench --id "bench$n" --store-endpoints "127.0.0.1:$STORE_PORT" \
    --port "$port" $vargs >"$WORK/proxy-$vname.log" 2>&1 &
  PIDS+=($!)
  [[ -z "$PROXY_PID" ]] && { PROXY_PID=$!; PROXY_PORT=$port; }
  TARGETS+=("$vname:$port"); PID_OF[$vname]=$!
done <<< "$VARIANTS"

if [[ -n "$HAPROXY" ]]; then
  cat > "$WORK/haproxy.cfg" <<CFG
global
  maxconn 4000
  nbthread $HAPROXY_THREADS
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
listen pg
  bind 127.0.0.1:$HAPROXY_PORT
  server pg1 127.0.0.1:$PG_PORT
CFG
  "${ON_PROXY[@]}" "$HAPROXY" -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
  PIDS+=($!); HAPROXY_PID=$!
fi

for t in "${TARGETS[@]:1}"; do
  for i in $(seq 1 100); do
    if "$PGBIN/psql" -h 127.0.0.1 -p "${t#*:}" -U postgres -Atc 'select 1' postgres >/dev/null 2>&1; then break; fi
    if [[ $i == 100 ]]; then echo "proxy ${t%%:*} never forwarded; see its log:" >&2; cat "$WORK/proxy-${t%%:*}.log" >&2; exit 1; fi
    sleep 0.2
  done
done
[[ -n "$HAPROXY" ]] && { TARGETS+=(haproxy:$HAPROXY_PORT); PID_OF[haproxy]=$HAPROXY_PID; }

# CPU time (user + system, clock ticks) a process has used; its threads included
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))

# one pgbench run; prints "tps latency_ms transactions". No -n: pgbench vacuums the small tables and empties
# pgbench_history before each run, so TPC-B runs late in the sequence do not meet a bloated database.
run() {  # $1=port, rest: pgbench options
  local port=$1; shift
  "${ON_DB[@]}" "$PGBIN/pgbench" -h 127.0.0.1 -p "$port" -U postgres -c $CLIENTS -j $THREADS -T "$SECONDS_PER_RUN" "$@" postgres 2>&1 \
    | awk '/^latency average/ {lat=$4} /^tps/ {tps=$3} /^number of transactions actually processed/ {split($NF, a, "/"); n=a[1]} END {print tps, lat, n}'
}

declare -A TPS LAT CPU
WORKLOADS=("select-only:-S" "tpcb-like:" "connect-per-tx:-S -C")
for w in "${WORKLOADS[@]}"; do
  name=${w%%:*}; opts=${w#*:}
  # one warm-up run per target, not counted
  for t in "${TARGETS[@]}"; do SECONDS_PER_RUN=3 run "${t#*:}" $opts >/dev/null; done
  for r in $(seq 1 "$ROUNDS"); do
    # each round starts with the next target, so no target always runs first or last
    n=${#TARGETS[@]}
    for k in $(seq 0 $((n - 1))); do
      t=${TARGETS[$(( (r - 1 + k) % n ))]}
      pid=${PID_OF[${t%%:*}]:-}
      [[ -n "$pid" ]] && before=$(cpu_ticks "$pid")
      read -r tps lat count < <(run "${t#*:}" $opts)
      TPS[$name/${t%%:*}]+="$tps "; LAT[$name/${t%%:*}]+="$lat "
      if [[ -n "$pid" && "${count:-0}" -gt 0 ]]; then
        # the proxy's CPU microseconds per transaction: its cost, whatever the scheduler did
        CPU[$name/${t%%:*}]+="$(awk -v d=$(( $(cpu_ticks "$pid") - before )) -v u=$TICK_US -v n="$count" 'BEGIN {printf "%.1f", d * u / n}') "
      fi
      echo "round $r $name ${t%%:*}: tps=$tps latency=${lat}ms" >&2
    done
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a/b; else print "-"}'; }

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
RSS_BEFORE=$(rss_kib "$PROXY_PID")
echo "opening $IDLE idle PostgreSQL sessions through the proxy..." >&2
python3 - "$PROXY_PORT" "$IDLE" "$WORK/idle.ready" <<'PY' &
import socket, struct, sys, time
port, n, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
params = b"user\0postgres\0database\0postgres\0\0"
startup = struct.pack("!ii", 8 + len(params), 196608) + params
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(startup)
    buf = b""
    while b"Z\0\0\0\x05" not in buf:  # ReadyForQuery: the session is up and idle
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("session %d closed during startup" % i)
        buf += chunk
    socks.append(s)
open(ready, "w").write("ok")
time.sleep(3600)
PY
IDLE_PID=$!
PIDS+=($IDLE_PID)
for i in $(seq 1 600); do [[ -f "$WORK/idle.ready" ]] && break; kill -0 $IDLE_PID 2>/dev/null || { echo "idle sessions failed" >&2; exit 1; }; sleep 0.2; done
sleep 2
RSS_IDLE=$(rss_kib "$PROXY_PID")
# active load on top of the idle sessions
read -r TPS_WITH_IDLE _ _ < <(run "$PROXY_PORT" -S)
RSS_AFTER=$(rss_kib "$PROXY_PID")
kill $IDLE_PID 2>/dev/null || true

echo
echo "pgbench, $CLIENTS clients, $THREADS threads, ${SECONDS_PER_RUN}s per run, $ROUNDS rounds alternating targets; medians"
[[ -n "$PIN" ]] && echo "pinned: PostgreSQL and pgbench on CPU 0; proxies on CPU 1 (HAProxy nbthread 1)"
printf "| %-16s | %-10s | %10s | %12s | %10s | %14s |\n" workload target "TPS" "latency ms" "vs direct" "proxy CPU µs/tx"
printf "| %-16s | %-10s | %10s | %12s | %10s | %14s |\n" "---" "---" "---" "---" "---" "---"
for w in "${WORKLOADS[@]}"; do
  name=${w%%:*}
  d=$(echo "${TPS[$name/direct]}" | median)
  for t in "${TARGETS[@]}"; do
    n=${t%%:*}
    m=$(echo "${TPS[$name/$n]}" | median); l=$(echo "${LAT[$name/$n]}" | median)
    c="-"; [[ -n "${CPU[$name/$n]:-}" ]] && c=$(echo "${CPU[$name/$n]}" | median)
    printf "| %-16s | %-10s | %10.0f | %12.3f | %10s | %14s |\n" "$name" "$n" "$m" "$l" "$(ratio "$m" "$d")" "$c"
  done
  if [[ -n "$HAPROXY" ]]; then
    for t in "${TARGETS[@]:1}"; do
      v=${t%%:*}; [[ $v == haproxy ]] && continue
      echo "|                  | $v/haproxy TPS: $(ratio "$(echo "${TPS[$name/$v]}" | median)" "$(echo "${TPS[$name/haproxy]}" | median)") | | | |"
    done
  fi
done
echo
echo "${TARGETS[1]%%:*} proxy RSS: ${RSS_BEFORE} KiB after the runs; ${RSS_IDLE} KiB with $IDLE idle sessions; ${RSS_AFTER} KiB after a select-only run on top (${TPS_WITH_IDLE} TPS)"
echo "raw TPS per round:"
for k in $(echo "${!TPS[@]}" | tr ' ' '\n' | sort); do echo "  $k: ${TPS[$k]}"; done
