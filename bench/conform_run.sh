#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The whole conformance run against the reference client, in one run and side by side: for every configuration
# class the CI test plays (tests/conformance/live_test.cpp: four of the spec model, three of the client's own model
# model/impl/lwm2mc-client.lwm2m), generate the all-transitions suite, play it with `lwm2mc conform` against
# `lwm2mc-client --clock-factor $TIME_SCALE` (default 1000) over loopback CoAP, and print per class: wall time, protocol time covered
# (the client's virtual clock), their ratio, steps played and verdicts. Protocol time is what the same run would
# take with real timers (EXCHANGE_LIFETIME 247 s, ClientHoldOffTime 300 s, lifetimes of 600 s, ...).
#
# Usage: bash bench/conform_run.sh   (after `cmake --preset release && cmake --build build/release`;
#        CLI=..., CLIENT=... to use other builds; TIME_SCALE=4000 QUIESCENCE=800 for a faster clock)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CLI=${CLI:-build/release/cli/lwm2mc}
CLIENT=${CLIENT:-build/release/reference_client/app/lwm2mc-client}
SCALE=${TIME_SCALE:-1000}
QUIESCENCE=${QUIESCENCE:-200}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

URGENT=Init,BsFactory,BsSmartcard,BsFinished,BsFailed,Rebooting,FactoryResetting,DeregPending
modes() { echo "factory=$1,smartcard=false,client_initiated=$2,server_initiated=$3,supports_factory_reset=$4,hold_off=$5"; }
SPEC=model/specs/lwm2m-ts10-draft.lwm2m
IMPL=model/impl/lwm2mc-client.lwm2m
# name|model|config|urgent states|client config tail
CLASSES=(
  "factory|$SPEC|$(modes true false false true 0)|$URGENT|,communication_sequence_delay_timer=60"
  "client_initiated|$SPEC|$(modes false true false true 300)|$URGENT,RegFailed|,communication_sequence_delay_timer=60"
  "server_initiated|$SPEC|$(modes false false true true 0)|$URGENT,RegFailed|,communication_sequence_delay_timer=60"
  "no_factory_reset|$SPEC|$(modes true false false false 0)|$URGENT|,communication_sequence_delay_timer=60"
  "impl_client_initiated|$IMPL|$(modes false true false true 300),bootstrap_after_factory_reset=true,bootstrap_after_reboot=false,register_on_reg_info_change=false,register_after_bootstrap_failure=false,bootstrap_on_registration_failure=true,communication_sequence_delay_timer=60|$URGENT,RegFailed|"
  "impl_factory|$IMPL|$(modes true false false true 0),bootstrap_after_factory_reset=true,bootstrap_after_reboot=false,register_on_reg_info_change=true,register_after_bootstrap_failure=false,bootstrap_on_registration_failure=true,communication_sequence_delay_timer=60|$URGENT|"
  "impl_server_initiated|$IMPL|$(modes false false true true 0),bootstrap_after_factory_reset=false,bootstrap_after_reboot=false,register_on_reg_info_change=false,register_after_bootstrap_failure=true,bootstrap_on_registration_failure=true,communication_sequence_delay_timer=60|$URGENT,RegFailed|"
)

printf '%-24s %9s %12s %9s %7s %s\n' class wall_s protocol_s ratio steps verdicts
total_wall=0
total_protocol=0
for row in "${CLASSES[@]}"; do
  IFS='|' read -r name model config urgent tail <<<"$row"
  "$CLI" generate "$model" --config "$config" --cover transitions --exclude-events lifetime_expired \
    --urgent-states "$urgent" --format json -o "$WORK/$name.json" >/dev/null
  template="$CLIENT -e {endpoint} -b {bs_uri} -s {server_uri} -d {state_dir} -p {port} --clock-factor {time_scale}"
  template+=" --reexec-on-reboot --ack-timeout-ms 1000 --max-retransmit 1 --config {config},lifetime=600,"
  template+="communication_retry_count=0,communication_sequence_retry_count=0,deregister_before_factory_reset=false$tail"
  start=$(date +%s%N)
  "$CLI" conform "$model" --suite "$WORK/$name.json" --client "$template" --time-scale "$SCALE" --quiescence "$QUIESCENCE" \
    --min-wait-ms 500 --work-dir "$WORK/run-$name" --json "$WORK/$name.report.json" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  read -r protocol steps verdicts < <(python3 - "$WORK/$name.report.json" <<'EOF'
import json, re, sys
r = json.load(open(sys.argv[1]))
protocol = 0.0
steps = 0
counts = {}
for c in r["cases"]:
    steps += c.get("steps_played", 0)
    counts[c["verdict"]] = counts.get(c["verdict"], 0) + 1
    times = [float(m.group(1)) for l in c.get("log", []) for m in [re.match(r"\[\s*([\d.]+) s\]", l)] if m]
    protocol += max(times, default=0.0)
print(f"{protocol:.0f} {steps} " + ",".join(f"{k}={v}" for k, v in sorted(counts.items())))
EOF
)
  wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) / 1e9 }')
  ratio=$(awk -v p="$protocol" -v w="$wall" 'BEGIN { printf "%.0f", p / w }')
  printf '%-24s %9s %12s %8sx %7s %s\n' "$name" "$wall" "$protocol" "$ratio" "$steps" "$verdicts"
  total_wall=$(awk -v a="$total_wall" -v b="$wall" 'BEGIN { printf "%.2f", a + b }')
  total_protocol=$(awk -v a="$total_protocol" -v b="$protocol" 'BEGIN { printf "%.0f", a + b }')
done
printf '%-24s %9s %12s %8sx\n' total "$total_wall" "$total_protocol" \
  "$(awk -v p="$total_protocol" -v w="$total_wall" 'BEGIN { printf "%.0f", p / w }')"
