#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The checker scaling benchmark: the explicit and the Z3 engine side by side over a generated family
# (bench/gen_scale_models.py: 10..1000 control states, 2..20 variables of 2..2^16 values, 2..40 bool
# parameters, 32-bit int parameters in durations and guards, a counter bounded by a parameter).
# Wall time, peak RSS, product states/s and the ratios z3/explicit, one table; about 5 minutes.
# Usage: bash bench/checker_scale.sh [--quick] [--timeout SECONDS] [--reps N]
#   CLI=path/to/lwm2mc overrides the binary (default: build/release).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ -z "${CLI:-}" ]; then
  for candidate in build/release/cli/lwm2mc; do
    if [ -x "$candidate" ]; then
      CLI=$candidate
      break
    fi
  done
fi
if [ -z "${CLI:-}" ] || [ ! -x "$CLI" ]; then
  echo "checker_scale.sh: no lwm2mc binary; build one (cmake --preset release && cmake --build build/release --target lwm2mc_cli) or set CLI" >&2
  exit 3
fi
exec python3 bench/checker_scale.py --cli "$CLI" "$@"
