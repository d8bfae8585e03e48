#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The engine agreement sweep (issue 11): 1,000 random models from the seeded generator in
# tests/checker/random_models.cpp (wide variables, counters bounded by a parameter, several timing
# parameters, enum parameters and variables, constraints, every property kind, overlays), each checked
# by --engine both, explicit and auto and against a brute-force oracle (one explicit run per
# configuration with every parameter fixed). Prints seeds, agreed, undecided, disagreements (seed
# numbers; models written to the output directory) and the time. checker_tests runs 100 of the seeds.
# Usage: bash bench/checker_agreement.sh [--seeds N] [--first S] [--out DIR] [--oracle N] [--timeout-ms MS]
#   AGREEMENT=path/to/checker_agreement overrides the binary (default: build/bench).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ -z "${AGREEMENT:-}" ]; then
  for candidate in build/bench/bench/checker_agreement; do
    if [ -x "$candidate" ]; then
      AGREEMENT=$candidate
      break
    fi
  done
fi
if [ -z "${AGREEMENT:-}" ] || [ ! -x "$AGREEMENT" ]; then
  echo "checker_agreement.sh: no checker_agreement binary; build one (cmake --preset bench && cmake --build build/bench --target checker_agreement) or set AGREEMENT" >&2
  exit 3
fi
exec "$AGREEMENT" --seeds 1000 --out agreement-out "$@"
