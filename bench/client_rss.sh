#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Peak resident memory (KiB, /usr/bin/time %M) of the lwm2mc-client process from start to Registered and one
# Update, against the third-party lwm2m-node-lib server on loopback (tests/interop, after `npm ci`), next to
# the same figure for `true` (the floor of a dynamically linked process) and for node-lib's own server.
# Usage: bash bench/client_rss.sh [CLIENT]   (default build/bench/reference_client/app/lwm2mc-client)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CLIENT=${1:-build/bench/reference_client/app/lwm2mc-client}
PORT=${PORT:-56830}
WORK=$(mktemp -d)
trap 'kill "$NODE_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

mkfifo "$WORK/stdin"
sleep 600 >"$WORK/stdin" &
node tests/interop/node_lib_server.js "$PORT" <"$WORK/stdin" >"$WORK/node.out" 2>/dev/null &
NODE_PID=$!
for _ in $(seq 100); do
  grep -q '"ready"' "$WORK/node.out" 2>/dev/null && break
  sleep 0.1
done

/usr/bin/time -f %M -o "$WORK/true.rss" true
/usr/bin/time -f %M -o "$WORK/client.rss" "$CLIENT" -e rss-node --config factory=true,client_initiated=false,lifetime=20 \
  -s "coap://127.0.0.1:$PORT" --clock-factor 10 --run-for 30 --trace "$WORK/trace.jsonl" 2>/dev/null
node_rss=$(awk '/VmHWM/ {print $2}' "/proc/$NODE_PID/status")
registered=$(grep -c '"to":"Registered"' "$WORK/trace.jsonl" || true)
printf '%-44s %10s\n' "process" "peak RSS KiB"
printf '%-44s %10s\n' "true (floor)" "$(cat "$WORK/true.rss")"
printf '%-44s %10s\n' "lwm2mc-client (register + updates, 30 s)" "$(cat "$WORK/client.rss")"
printf '%-44s %10s\n' "lwm2m-node-lib server (node)" "$node_rss"
printf 'client reached Registered %s times (Register and each Update)\n' "$registered"
