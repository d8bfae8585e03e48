#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# `lwm2mc diagram` on the shipped TS 1.0-draft model, side by side in one run: DOT only (generation), SVG and
# PNG (in-process Graphviz layout and rendering), and with --findings (adds the Z3 check) -- next to `dot -Tsvg`
# run as a separate process on the same DOT text, the thing lwm2mc avoids. Median of N runs, peak RSS.
# Usage: bash bench/diagram_bench.sh [REPETITIONS]   (after `cmake --preset release && cmake --build build/release`)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CLI=${CLI:-build/release/cli/lwm2mc}
MODEL=${MODEL:-model/specs/lwm2m-ts10-draft.lwm2m}
REPS=${1:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

now_ns() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
measure() {  # label command... -> "label microseconds rssKiB"
  local label=$1; shift
  local times=() rss=0 start end
  for _ in $(seq "$REPS"); do
    start=$(now_ns)
    /usr/bin/time -f "%M" -o "$WORK/rss" "$@" >/dev/null 2>&1
    end=$(now_ns)
    times+=($(( (end - start) / 1000 )))
    rss=$(cat "$WORK/rss")
  done
  echo "$label $(printf '%s\n' "${times[@]}" | median) $rss"
}

"$CLI" diagram "$MODEL" -o "$WORK/m.dot"
rows=(
  "$(measure "diagram -o .dot" "$CLI" diagram "$MODEL" -o "$WORK/a.dot")"
  "$(measure "diagram -o .svg" "$CLI" diagram "$MODEL" -o "$WORK/a.svg")"
  "$(measure "diagram -o .png" "$CLI" diagram "$MODEL" -o "$WORK/a.png")"
  "$(measure "diagram --findings --trace -o .png" "$CLI" diagram "$MODEL" --findings --trace no-recovery:BsFailed -o "$WORK/b.png")"
  "$(measure "dot -Tsvg (separate process)" dot -Tsvg "$WORK/m.dot" -o "$WORK/c.svg")"
)
base=$(awk '{ print $(NF - 1) }' <<<"${rows[0]}")
echo "model: $MODEL; median of $REPS runs; $(nproc) cores"
printf '%-40s %10s %12s %10s\n' "run" "ms" "peak RSS MiB" "vs .dot"
for row in "${rows[@]}"; do
  label=${row% * *}; rest=${row##"$label "}
  read -r us rss <<<"$rest"
  printf '%-40s %10.1f %12.1f %9.1fx\n' "$label" "$(awk "BEGIN { print $us / 1000 }")" \
    "$(awk "BEGIN { print $rss / 1024 }")" "$(awk "BEGIN { print $us / $base }")"
done
