#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# What event properties cost the explicit engine: `lwm2mc check` of a model as shipped, side by side with the same
# model without its event properties (an overlay that removes them), in one run. An event property is checked as
# an invariant of a copy of the model with ghost monitor variables (docs/semantics.md, "Event properties"), so it
# can multiply the product states. Prints median wall time of N runs, peak RSS and the product states, and the
# ratios. Usage: bash bench/event_property_cost.sh [REPETITIONS] [MODEL ...]
#   (after `cmake --preset release && cmake --build build/release`; CLI=... picks another binary)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CLI=${CLI:-build/release/cli/lwm2mc}
REPS=${1:-5}
shift || true
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(model/impl/zephyr-rd-client.lwm2m tests/data/models/valid/event-properties.lwm2m)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

now_ns() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
measure() {  # model -> "microseconds rssKiB product_states"
  local times=() rss=0 states start end
  states=$("$CLI" check "$@" --engine explicit --fail-on never 2>&1 | sed -nE 's/.* ([0-9]+) product states.*/\1/p' | awk 'NR == 1')
  for _ in $(seq "$REPS"); do
    start=$(now_ns)
    /usr/bin/time -f "%M" -o "$WORK/rss" "$CLI" check "$@" --engine explicit --fail-on never >/dev/null 2>&1
    end=$(now_ns)
    times+=($(( (end - start) / 1000 )))
    rss=$(cat "$WORK/rss")
  done
  echo "$(printf '%s\n' "${times[@]}" | median) $rss ${states:-?}"
}

printf '%-58s %8s %12s %10s %14s %8s\n' "model" "event p." "time (us)" "RSS (KiB)" "product states" "ratio"
for model in "${MODELS[@]}"; do
  overlay="$WORK/$(basename "$model" .lwm2m)-without-event-properties.lwm2m"
  names=$("$CLI" show "$model" --format json |
    python3 -c 'import json, sys; print(" ".join(p["name"] for p in json.load(sys.stdin)["properties"] if p["kind"] == "event"))')
  {
    printf 'overlay without_event_properties on "%s";\n' "$(realpath "$model")"
    for name in $names; do printf 'remove property %s;\n' "$name"; done
  } >"$overlay"
  read -r t1 r1 s1 <<<"$(measure "$model")"
  read -r t0 r0 s0 <<<"$(measure "$overlay")"
  count=$(wc -w <<<"$names")
  printf '%-58s %8s %12s %10s %14s %8s\n' "$model (without)" 0 "$t0" "$r0" "$s0" "1.00"
  printf '%-58s %8s %12s %10s %14s %8s\n' "$model (as shipped)" "$count" "$t1" "$r1" "$s1" \
    "$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.2f", a / b }')"
done
echo "(ratio: time as shipped / time without; 'without' checks the overlay file alone: the model minus its event properties)"
