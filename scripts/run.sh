#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# One entry point for a fresh Debian 12 machine: installs what is missing (apt-get; sudo when not
# root), configures, builds and runs.
#
#   bash scripts/run.sh main        the main job: analysis of the shipped LwM2M model
#   bash scripts/run.sh test        the whole test suite (warnings as errors), the model library alone
#                                   without Z3, then the whole suite again under ASan/UBSan
#   bash scripts/run.sh fuzz [SEC [RUNS]]  build the libFuzzer target with clang and fuzz the model parser for SEC
#                                   seconds (default 600; 0: no time limit) or RUNS executions (e.g. 10000000)
#   bash scripts/run.sh bench [N]   time `lwm2mc check` (Z3, explicit) against a SPIN sweep, median of N runs
#   bash scripts/run.sh bench-checker-scale [ARGS]  the explicit and the Z3 engine side by side on a generated scaling
#                                   family (states, variables, domains, parameters): time, memory, product states/s
#   bash scripts/run.sh bench-checker-agreement [ARGS]  every engine against each other and a brute-force oracle on
#                                   1,000 random models: agreed, undecided, disagreements (models in agreement-out/)
#   bash scripts/run.sh bench-client  the reference client on loopback: bootstrap + register, resident memory
#   bash scripts/run.sh bench-client-kill [KILLS [SEED]]  SIGKILL the client process KILLS times (default 1000), half
#                                   of them mid-bootstrap; after each kill the state file is the old or the new state
#   bash scripts/run.sh bench-conform [ARGS]  the conformance tester: monitor per wire event, capture packets/s
#   bash scripts/run.sh bench-testgen [ARGS]  test generation: suite length against the Chinese-postman bound and
#                                   GraphWalker-style walks, generation time, growth to 10^5 product states
#   bash scripts/run.sh bench-event-properties [N [MODEL ...]]  check time, memory and product states of a model with
#                                   and without its event properties (their monitors), side by side
#   bash scripts/run.sh fuzz-client [SEC [RUNS]]  fuzz the client's CoAP message handling (SEC and RUNS as for fuzz)
#   bash scripts/run.sh setup       only install the packages
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
JOBS=$(nproc 2>/dev/null || echo 2)

# Debian packages the build and the tests need.
PACKAGES=(
  g++ cmake ninja-build pkg-config
  libboost-graph-dev libcli11-dev libfmt-dev nlohmann-json3-dev libz3-dev
  googletest libgtest-dev libbenchmark-dev clang-format
  graphviz libgraphviz-dev libcoap3-dev libcoap3-bin libpcap-dev
)
# The report tests: xmllint checks the JUnit XML, headless Chromium renders the HTML report to a screenshot.
REPORT_TEST_PACKAGES=(libxml2-utils chromium)
FUZZ_PACKAGES=(clang libclang-rt-14-dev)
BENCH_PACKAGES=(spin gcc time gawk)

# Each step says when it started and how long the script has run, so a slow CI shows where its time went.
log() { printf '\n== [%s, +%ds] %s\n' "$(date -u +%H:%M:%S)" "$SECONDS" "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "run.sh: need root (or sudo) to install: $*" >&2
    exit 3
  fi
}

install_missing() {
  local missing=()
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "all required Debian packages are installed"
    return
  fi
  log "installing: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Node.js and npm for the interop peer (lwm2m-node-lib, pinned by tests/interop/package-lock.json).
# A Node.js from elsewhere (NodeSource ships npm inside its nodejs package) is used as it is: Debian's
# npm package would conflict with it.
install_node() {
  if ! command -v npm >/dev/null 2>&1; then
    install_missing nodejs npm
  fi
  # The registry may be unreachable (offline, a TLS proxy whose CA npm does not trust): then the tests that
  # need these packages say SKIPPED with the reason instead of failing the whole run.
  local dir what
  for dir in tests/interop tests/report-schemas; do
    [ -f "$dir/package-lock.json" ] || continue
    case "$dir" in
      tests/interop) what="the lwm2m-node-lib interop tests" ;;
      *) what="the SARIF schema validation test" ;;
    esac
    log "npm ci ($dir)"
    if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) &&
       ! (sleep 5 && cd "$dir" && npm ci --no-audit --no-fund --loglevel=error); then
      echo "run.sh: WARNING: npm ci failed twice in $dir; $what will be SKIPPED" >&2
    fi
  done
}

# The limits of a fuzz run as text: SECONDS (0: no time limit) and RUNS (empty or -1: no run limit); libFuzzer stops
# at whichever limit comes first.
fuzz_limits_text() {
  local text=""
  [ "$1" != "0" ] && text="$1 s"
  if [ -n "$2" ] && [ "$2" != "-1" ]; then
    text="${text:+$text or }$2 runs"
  fi
  printf '%s' "${text:-no limit (until interrupted)}"
}

configure_and_build() {  # preset
  log "configure and build ($1)"
  cmake --preset "$1" >/dev/null
  cmake --build "build/$1" -j "$JOBS"
}

# A test without its own TIMEOUT fails after this many seconds instead of holding the run until CI gives up (the
# slowest test takes about 4 minutes under ASan on 2 cores).
TEST_TIMEOUT=900

run_tests() {  # preset
  log "tests ($1)"
  local out="build/$1/ctest-output.txt" code=0
  (cd "build/$1" && ctest --output-on-failure -j "$JOBS" --timeout "$TEST_TIMEOUT") | tee "$out" || code=$?
  log "the slowest tests ($1)"
  # awk reads all of sort's output: `head` would close the pipe early, and pipefail would make that a failure
  sed -nE 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+).* ([0-9]+\.[0-9]+) sec$/\2 s  \1/p' "$out" | sort -rn | awk 'NR <= 8'
  return "$code"
}

main_job() {
  configure_and_build release
  local cli=build/release/cli/lwm2mc
  local out=out
  local base=model/specs/lwm2m-ts10-draft.lwm2m
  local proposal=model/specs/proposals/2017-0009-ci-with-si.lwm2m
  mkdir -p "$out"
  log "validate the shipped models"
  "$cli" validate "$base" "$proposal"
  "$cli" show "$base" --format json >"$out/model.json"
  log "check $base (the TS 1.0 draft as OMA-DM-LightweightM2M-2017-0009 reads it)"
  # findings are the expected result of this analysis: exit 1 is fine, 2 and above is not
  local code=0
  "$cli" check "$base" | tee "$out/check.txt" || code=$?
  [ "$code" -le 1 ] || exit "$code"
  "$cli" check "$base" --format json --fail-on never >"$out/check.json"
  "$cli" check "$base" --format markdown --fail-on never >"$out/check.md"
  "$cli" check "$base" --format html --fail-on never >"$out/check.html"
  "$cli" check "$base" --format sarif --fail-on never >"$out/check.sarif"
  "$cli" check "$base" --format junit --fail-on never >"$out/check-junit.xml"
  log "check the recommendation overlay $proposal"
  code=0
  "$cli" check "$base" --proposal "$proposal" | tee "$out/check-proposal.txt" || code=$?
  [ "$code" -le 1 ] || exit "$code"
  "$cli" check "$base" --proposal "$proposal" --format markdown --fail-on never >"$out/check-proposal.md"
  log "compare alternative proposals: the recommendation and dropping the retry after a failed bootstrap"
  "$cli" diff "$base" "$proposal" tests/data/models/proposals/no-retry-after-failed-bootstrap.lwm2m \
    --fail-on never | tee "$out/diff-proposals.txt"
  "$cli" diff "$base" "$proposal" tests/data/models/proposals/no-retry-after-failed-bootstrap.lwm2m \
    --format markdown --fail-on never >"$out/diff-proposals.md"
  "$cli" check "$base" --proposal "$proposal" --format html --fail-on never >"$out/check-proposal.html"
  # The lifecycle models of the TS versions (TS 1.2 is an overlay on TS 1.1), checked by both engines.
  local version spec
  for version in ts10 ts11 ts12; do
    spec=model/specs/lwm2m-$version.lwm2m
    log "check $spec (both engines)"
    "$cli" validate "$spec"
    "$cli" show "$spec" --format json >"$out/model-$version.json"
    code=0
    "$cli" check "$spec" --engine both | tee "$out/check-$version.txt" || code=$?
    [ "$code" -le 1 ] || exit "$code"
    "$cli" check "$spec" --format json --fail-on never >"$out/check-$version.json"
    "$cli" check "$spec" --format markdown --fail-on never >"$out/check-$version.md"
    "$cli" check "$spec" --format html --fail-on never >"$out/check-$version.html"
    "$cli" check "$spec" --format sarif --fail-on never >"$out/check-$version.sarif"
  done
  # The implementation model of Zephyr's lwm2m_rd_client at 013c135025b4 and the overlays of the later pull
  # requests that fix its findings (docs/implementation-models.md).
  local zephyr=model/impl/zephyr-rd-client.lwm2m fix name
  log "check $zephyr (the Zephyr RTOS LwM2M client) and its fix overlays"
  "$cli" validate "$zephyr" model/impl/zephyr/*.lwm2m
  "$cli" show "$zephyr" --format json >"$out/model-zephyr.json"
  code=0
  "$cli" check "$zephyr" | tee "$out/check-zephyr.txt" || code=$?
  [ "$code" -le 1 ] || exit "$code"
  "$cli" check "$zephyr" --format json --fail-on never >"$out/check-zephyr.json"
  "$cli" check "$zephyr" --format markdown --fail-on never >"$out/check-zephyr.md"
  "$cli" check "$zephyr" --format html --fail-on never >"$out/check-zephyr.html"
  "$cli" check "$zephyr" --format sarif --fail-on never >"$out/check-zephyr.sarif"
  for fix in model/impl/zephyr/*.lwm2m; do
    name=$(basename "$fix" .lwm2m)
    "$cli" check "$zephyr" --proposal "$fix" --fail-on never >"$out/check-zephyr-$name.txt"
    "$cli" check "$zephyr" --proposal "$fix" --format markdown --fail-on never >"$out/check-zephyr-$name.md"
  done
  log "diagrams"
  local si_only="factory=false,smartcard=false,client_initiated=false,server_initiated=true"
  for ext in svg png; do
    "$cli" diagram "$base" -o "$out/model.$ext"
    "$cli" diagram "$base" --findings --trace no-recovery:BsFailed -o "$out/model-findings.$ext"
    "$cli" diagram "$base" --config "$si_only" --findings --trace no-recovery:BsFailed -o "$out/model-si-only.$ext"
    "$cli" diagram "$base" --proposal "$proposal" --findings -o "$out/proposal-findings.$ext"
    for version in ts10 ts11 ts12; do
      "$cli" diagram "model/specs/lwm2m-$version.lwm2m" --findings -o "$out/model-$version-findings.$ext"
    done
    "$cli" diagram "$zephyr" --findings --trace invariant:finish_ack_before_close -o "$out/model-zephyr-findings.$ext"
  done
  log "test suites: every transition of every configuration class (hold_off=0), the findings of the SI-only client"
  "$cli" generate "$base" --config hold_off=0 --cover transitions -o "$out/suite-transitions.json"
  "$cli" generate "$base" --config hold_off=0 --cover transitions --format markdown -o "$out/suite-transitions.md" >/dev/null
  "$cli" generate "$base" --config "$si_only,supports_factory_reset=true,hold_off=0" --cover findings \
    --format markdown -o "$out/suite-si-only-findings.md"
  local ci_only="factory=false,smartcard=false,client_initiated=true,server_initiated=false,supports_factory_reset=true"
  "$cli" generate "$base" --config "$ci_only,hold_off=0" --cover transitions -o "$out/suite-ci-only.json" >/dev/null
  "$cli" diagram "$base" --coverage "$out/suite-ci-only.json" -o "$out/suite-ci-only-coverage.png"
  log "written to $out/: check.txt check.json check.md check.html check.sarif check-junit.xml check-proposal.txt"
  echo "  check-proposal.md check-proposal.html diff-proposals.{txt,md} model.json,"
  echo "  check-{ts10,ts11,ts12}.{txt,json,md,html,sarif} model-{ts10,ts11,ts12}.json model-{ts10,ts11,ts12}-findings.{svg,png},"
  echo "  model.{svg,png} model-findings.{svg,png} model-si-only.{svg,png} proposal-findings.{svg,png},"
  echo "  suite-transitions.{json,md} suite-si-only-findings.md suite-ci-only.json suite-ci-only-coverage.png"
  echo "  model-zephyr.json check-zephyr.{txt,json,md,html,sarif} check-zephyr-pr*.{txt,md} model-zephyr-findings.{svg,png}"
}

case "${1:-}" in
  setup)
    install_missing "${PACKAGES[@]}"
    ;;
  main)
    install_missing "${PACKAGES[@]}"
    main_job
    ;;
  test)
    install_missing "${PACKAGES[@]}" "${REPORT_TEST_PACKAGES[@]}"
    install_node
    configure_and_build ci
    run_tests ci
    configure_and_build model-only
    run_tests model-only
    configure_and_build asan
    run_tests asan
    ;;
  fuzz)
    install_missing "${PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"
    configure_and_build fuzz
    mkdir -p fuzz-corpus
    log "fuzzing the model parser: $(fuzz_limits_text "${2:-600}" "${3:-}") (corpus: fuzz-corpus, seeds: tests/data/fuzz)"
    build/fuzz/tests/fuzz/parse_fuzzer -max_total_time="${2:-600}" -runs="${3:--1}" -max_len=4096 \
      -print_final_stats=1 -rss_limit_mb=4096 fuzz-corpus tests/data/fuzz
    ;;
  fuzz-client)
    install_missing "${PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"
    configure_and_build fuzz
    mkdir -p fuzz-client-corpus
    log "fuzzing the client's message handling: $(fuzz_limits_text "${2:-600}" "${3:-}") (corpus: fuzz-client-corpus, seeds: tests/data/fuzz-client)"
    build/fuzz/tests/fuzz/coap_message_fuzzer -max_total_time="${2:-600}" -runs="${3:--1}" -max_len=2048 \
      -print_final_stats=1 -rss_limit_mb=4096 fuzz-client-corpus tests/data/fuzz-client
    ;;
  bench-client-kill)
    install_missing "${PACKAGES[@]}" "${BENCH_PACKAGES[@]}"
    cmake --preset bench >/dev/null
    cmake --build build/bench -j "$JOBS" --target client_kill lwm2mc_client_app lwm2mc_state_journal
    log "kill-at-any-moment: SIGKILL lwm2mc-client ${2:-1000} times, check the state file after each kill"
    BUILD=build/bench bash bench/client_kill.sh "${2:-1000}" "${3:-1}"
    ;;
  bench-checker-scale)
    install_missing "${PACKAGES[@]}"
    cmake --preset release >/dev/null
    cmake --build build/release -j "$JOBS" --target lwm2mc_cli
    log "checker scaling: explicit vs Z3 engine over bench/gen_scale_models.py's family"
    CLI=build/release/cli/lwm2mc bash bench/checker_scale.sh "${@:2}"
    ;;
  bench-checker-agreement)
    install_missing "${PACKAGES[@]}"
    cmake --preset bench >/dev/null
    cmake --build build/bench -j "$JOBS" --target checker_agreement
    log "engine agreement: z3, explicit, auto and a brute-force oracle on 1,000 random models"
    bash bench/checker_agreement.sh "${@:2}"
    ;;
  bench-client)
    install_missing "${PACKAGES[@]}" "${BENCH_PACKAGES[@]}"
    install_node
    cmake --preset bench >/dev/null
    cmake --build build/bench -j "$JOBS" --target client_bench lwm2mc_client_app
    log "client benchmark (loopback, in-process peers)"
    build/bench/bench/client_bench
    log "peak resident memory of the client process (against lwm2m-node-lib)"
    bash bench/client_rss.sh build/bench/reference_client/app/lwm2mc-client
    ;;
  bench-event-properties)
    install_missing "${PACKAGES[@]}" "${BENCH_PACKAGES[@]}" python3
    configure_and_build release
    log "event properties: the explicit engine with and without their monitors"
    CLI=build/release/cli/lwm2mc bash bench/event_property_cost.sh "${@:2}"
    ;;
  bench-testgen)
    install_missing "${PACKAGES[@]}"
    cmake --preset bench >/dev/null
    cmake --build build/bench -j "$JOBS" --target testgen_bench
    log "test generation benchmark (shipped model per configuration class, scaling models 10^3..10^5 states)"
    build/bench/bench/testgen_bench "${@:2}"
    ;;
  bench-conform)
    install_missing "${PACKAGES[@]}"
    cmake --preset bench >/dev/null
    cmake --build build/bench -j "$JOBS" --target conform_bench
    log "conformance tester: monitor verdict per wire event, capture checking throughput (packets/s)"
    build/bench/bench/conform_bench "${@:2}"
    ;;
  bench)
    install_missing "${PACKAGES[@]}" "${BENCH_PACKAGES[@]}"
    configure_and_build release
    bash bench/check_vs_spin.sh "${2:-5}"
    bash bench/diagram_bench.sh "${2:-5}"
    ;;
  *)
    echo "usage: bash scripts/run.sh {main|test|fuzz [SECONDS [RUNS]]|fuzz-client [SECONDS [RUNS]]|bench [N]|bench-client-kill [KILLS [SEED]]|bench-checker-scale [ARGS]|bench-checker-agreement [ARGS]|bench-client|bench-testgen [ARGS]|bench-event-properties [N [MODEL ...]]|bench-conform [ARGS]|setup}" >&2
    exit 2
    ;;
esac
