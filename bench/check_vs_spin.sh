#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Times, in one run and side by side:
#   - the full `lwm2mc check` of the shipped TS 1.0-draft model with the Z3 engine (every
#     configuration at once) and with the explicit engine;
#   - SPIN on a Promela export of the same model, swept over every configuration: for each one
#     `spin -a`, `gcc pan.c` and `./pan` (exhaustive search for assertion violations, i.e. the
#     invariants, and invalid end states, i.e. deadlocks). SPIN checks less than lwm2mc here
#     (no recovery analysis, no conditions) and ClientHoldOffTime is pinned to one value, so the
#     ratio understates the difference.
# Usage: bash bench/check_vs_spin.sh [REPETITIONS]   (after `cmake --preset release && cmake --build build/release`)
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

# seconds (median of REPS) and peak RSS (KiB, of the last run) of a command
measure() {
  local label=$1; shift
  local times=() rss=0 start end
  for _ in $(seq "$REPS"); do
    start=$(now_ns)
    /usr/bin/time -f "%M" -o "$WORK/rss" "$@" >/dev/null 2>&1 || true
    end=$(now_ns)
    times+=($(( (end - start) / 1000 )))
    rss=$(cat "$WORK/rss")
  done
  local us
  us=$(printf '%s\n' "${times[@]}" | median)
  echo "$label $us $rss"
}

spin_sweep() {
  rm -rf "$WORK/pml" && mkdir -p "$WORK/pml"
  "$CLI" export-promela "$MODEL" -o "$WORK/pml" >/dev/null
  cd "$WORK/pml"
  local states=0
  for f in *.pml; do
    spin -a "$f" >/dev/null
    gcc -O2 -DSAFETY -o pan pan.c 2>/dev/null
    ./pan -m100000 >"$f.out" 2>&1 || true
    grep -q "errors: 0" "$f.out" || { echo "SPIN reported errors on $f" >&2; }
    states=$(( states + $(awk '/states, stored/ { print $1 }' "$f.out") ))
  done
  echo "$states" >"$WORK/spin-states"
  cd "$ROOT"
}

configs=$("$CLI" export-promela "$MODEL" -o "$WORK/count" | awk '{ print $2 }')
echo "model: $MODEL ($configs configurations); median of $REPS runs; $(nproc) cores"
z3=$(measure z3 "$CLI" check "$MODEL" --engine z3 --fail-on never)
ex=$(measure explicit "$CLI" check "$MODEL" --engine explicit --fail-on never)
both=$(measure both "$CLI" check "$MODEL" --engine both --fail-on never)
export -f spin_sweep
spin_start=$(now_ns)
spin_sweep
spin_us=$(( ($(now_ns) - spin_start) / 1000 ))
spin_states=$(cat "$WORK/spin-states")

printf '\n%-34s %12s %12s %14s\n' "run" "seconds" "peak RSS MiB" "SPIN sweep / run"
for row in "$z3" "$ex" "$both"; do
  read -r label us rss <<<"$row"
  printf '%-34s %12.3f %12.1f %14.1fx\n' "lwm2mc check --engine $label" "$(awk "BEGIN { print $us / 1e6 }")" \
    "$(awk "BEGIN { print $rss / 1024 }")" "$(awk "BEGIN { print $spin_us / $us }")"
done
printf '%-34s %12.3f %12s %14s\n' "SPIN sweep ($configs configurations)" "$(awk "BEGIN { print $spin_us / 1e6 }")" "-" "1.0x"
echo "SPIN stored $spin_states states in total"
