#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Kill-at-any-moment test of the reference client's state store, on the real process: lwm2mc-client runs against
# the in-process test peers (bootstrap server + LwM2M server on loopback) and is SIGKILLed at random moments, half
# of them aimed at a running bootstrap; after every kill the state file must load with the library's loader and be
# the old or the new state, byte for byte (tests/client/integration/client_kill.cpp). CTest runs 50 kills.
# Usage: bash bench/client_kill.sh [KILLS [SEED]]   (default 1000 kills, seed 1; BUILD=build/bench)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build/bench}
KILLS=${1:-1000}
SEED=${2:-1}
DRIVER="$BUILD/tests/client/integration/client_kill"
CLIENT="$BUILD/reference_client/app/lwm2mc-client"
PRELOAD="$BUILD/tests/client/integration/liblwm2mc_state_journal.so"
for f in "$DRIVER" "$CLIENT" "$PRELOAD"; do
  [ -e "$f" ] || { echo "client_kill.sh: $f is missing (build the client_kill target)" >&2; exit 3; }
done
echo "command: $DRIVER --client $CLIENT --preload $PRELOAD --kills $KILLS --seed $SEED"
/usr/bin/time -f 'wall %e s, driver peak RSS %M KiB' \
  "$DRIVER" --client "$CLIENT" --preload "$PRELOAD" --kills "$KILLS" --seed "$SEED"
