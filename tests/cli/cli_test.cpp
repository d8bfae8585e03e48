// SPDX-License-Identifier: Apache-2.0
// Runs the real lwm2mc executable and checks its output and exit codes.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <unistd.h>
#include <vector>

#include "cli_run.hpp"

namespace fs = std::filesystem;

namespace {

using lwm2mc::test::CliRun;
using lwm2mc::test::slurp;

CliRun run(const std::string& args) {
    return lwm2mc::test::run_cli(args);
}

const std::string kSpecs = LWM2MC_SPECS_DIR;
const std::string kModel = kSpecs + "/lwm2m-ts10-draft.lwm2m";
const std::string kOverlay = kSpecs + "/proposals/2017-0009-ci-with-si.lwm2m";

TEST(Cli, ValidateAcceptsTheShippedModels) {
    CliRun r = run("validate " + kModel + " " + kOverlay);

    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("ok: model 'lwm2m_ts10_draft': 16 states, 62 transitions"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(overlay on 'lwm2m_ts10_draft')"), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");
}

TEST(Cli, ValidateExitsWithTwoAndPrintsGnuDiagnosticsForAnInvalidModel) {
    fs::path bad = fs::temp_directory_path() / "lwm2mc_cli_bad.lwm2m";
    std::ofstream(bad) << "model m;\nstate A initial goal;\nevent e: client;\nA + e -> Regstered;\n";

    CliRun plain = run("validate " + bad.string());
    CliRun verbose = run("--verbose validate " + bad.string());

    EXPECT_EQ(plain.code, 2);
    EXPECT_EQ(plain.err, bad.string() + ":4:10: error: unknown state 'Regstered' [E010]\n" + bad.string() +
                             ": invalid model (1 error)\n");
    EXPECT_EQ(verbose.code, 2);
    EXPECT_NE(verbose.err.find("    4 | A + e -> Regstered;\n      |          ^~~~~~~~~\n"), std::string::npos)
        << verbose.err;
    fs::remove(bad);
}

TEST(Cli, ValidateExitsWithThreeWhenAnIncludedFileCannotBeRead) {
    fs::path bad = fs::temp_directory_path() / ("lwm2mc_cli_include_" + std::to_string(::getpid()) + ".lwm2m");
    std::ofstream(bad) << "model m;\ninclude \"no-such-part.lwm2m\";\nstate A initial goal;\n";

    CliRun r = run("validate " + bad.string());
    fs::remove(bad);

    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_NE(r.err.find("[E003]"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(": invalid model (1 error)"), std::string::npos) << r.err;
}

TEST(Cli, ValidateAppliesAProposalToTheBase) {
    CliRun r = run("validate " + kModel + " --proposal " + kOverlay);

    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("2 constraints"), std::string::npos) << r.out;
}

TEST(Cli, VersionAndHelpExitWithZero) {
    CliRun version = run("--version");
    CliRun help = run("--help");
    CliRun check_help = run("check --help");

    EXPECT_EQ(version.code, 0) << version.err;
    EXPECT_EQ(version.out, std::string("lwm2mc ") + LWM2MC_VERSION + "\n");  // CMake's project version
    EXPECT_EQ(version.err, "");
    EXPECT_EQ(help.code, 0);
    EXPECT_NE(help.out.find("--version"), std::string::npos) << help.out;
    EXPECT_EQ(check_help.code, 0);
    EXPECT_NE(check_help.out.find("--time-limit"), std::string::npos) << check_help.out;
}

/// Every subcommand: an unknown option, a missing argument, a bad value and a file that does not
/// exist are usage errors: CLI11's message on stderr, exit 2 (docs/diagnostics.md), never CLI11's
/// own codes (105, 106, 109, ...). Nothing on stdout.
TEST(Cli, UsageErrorsOfEverySubcommandExitWithTwoAndSayWhy) {
    const std::string out = " -o " + (fs::temp_directory_path() / "lwm2mc_usage_unused.dot").string();
    struct Case {
        std::string args;
        std::string message;
    };
    // clang-format off
    std::vector<Case> cases = {
        {"", "A subcommand is required"},
        {"frobnicate", "unknown command 'frobnicate'"},
        {"--bogus validate " + kModel, "The following argument was not expected: --bogus"},
        {"validate", "FILE is required"},
        {"validate --bogus " + kModel, "The following argument was not expected: --bogus"},
        {"validate /no/such/model.lwm2m", "FILE: File does not exist: /no/such/model.lwm2m"},
        {"validate " + kModel + " --proposal /no/such.lwm2m", "--proposal: File does not exist: /no/such.lwm2m"},
        {"show", "FILE is required"},
        {"show --bogus " + kModel, "The following argument was not expected: --bogus"},
        {"show " + kModel + " --format xml", "--format: xml not in {table,json}"},
        {"show /no/such/model.lwm2m", "File does not exist: /no/such/model.lwm2m"},
        {"fmt", "FILE is required"},
        {"fmt --bogus " + kModel, "The following argument was not expected: --bogus"},
        {"fmt --check -i " + kModel, "--check excludes --in-place"},
        {"fmt /no/such/model.lwm2m", "File does not exist: /no/such/model.lwm2m"},
        {"check", "MODEL is required"},
        {"check --bogus " + kModel, "The following argument was not expected: --bogus"},
        {"check --engine foo " + kModel, "--engine: foo not in {auto,z3,explicit,both}"},
        {"check --format foo " + kModel, "--format: foo not in {text,json,markdown,html,sarif,junit}"},
        {"check --fail-on foo " + kModel, "--fail-on: foo not in {error,warning,note,never}"},
        {"check --time-limit -1 " + kModel, "--time-limit: -1 is not a number of seconds (0 or more)"},
        {"check --time-limit soon " + kModel, "--time-limit: soon is not a number of seconds (0 or more)"},
        {"check /no/such/model.lwm2m", "MODEL: File does not exist: /no/such/model.lwm2m"},
        {"export-promela " + kModel, "--output is required"},
        {"export-promela --bogus " + kModel + " -o /tmp", "The following argument was not expected: --bogus"},
        {"export-promela /no/such/model.lwm2m -o /tmp", "File does not exist: /no/such/model.lwm2m"},
        {"replay " + kModel, "TRACE is required"},
        {"replay " + kModel + " - --config factory=false --bogus", "The following argument was not expected: --bogus"},
        {"replay " + kModel + " - --config factory=false --format xml", "--format: xml not in {text,json}"},
        {"replay " + kModel + " /no/such/trace.jsonl --config factory=false",
         "TRACE: File does not exist: /no/such/trace.jsonl"},
        {"diagram " + kModel, "--output is required"},
        {"diagram --bogus " + kModel + out, "The following argument was not expected: --bogus"},
        {"diagram --engine foo " + kModel + out, "--engine: foo not in {auto,z3,explicit,both}"},
        {"diagram /no/such/model.lwm2m" + out, "File does not exist: /no/such/model.lwm2m"},
        {"diagram " + kModel + " --coverage /no/such/suite.json" + out,
         "--coverage: File does not exist: /no/such/suite.json"},
        {"generate " + kModel, "--output is required"},
        {"generate --bogus " + kModel + " -o -", "The following argument was not expected: --bogus"},
        {"generate --format xml " + kModel + " -o -", "--format: xml not in {json,markdown,gtest}"},
        {"generate --max-states 0 " + kModel + " -o -", "--max-states: Value 0 not in range"},
        {"generate /no/such/model.lwm2m -o -", "File does not exist: /no/such/model.lwm2m"},
    };
    // clang-format on
    if (run("conform --help").code == 0) {  // built with the conformance tester
        std::vector<Case> conform = {
            {"conform", "MODEL is required"},
            {"conform --bogus " + kModel, "The following argument was not expected: --bogus"},
            {"conform --format xml " + kModel, "--format: xml not in {text,json,junit}"},
            {"conform --time-scale abc " + kModel, "--time-scale"},
            {"conform " + kModel + " --suite /no/such/suite.json", "--suite: File does not exist: /no/such/suite.json"},
            {"conform " + kModel + " --pcap /no/such/run.pcap", "--pcap: File does not exist: /no/such/run.pcap"},
        };
        cases.insert(cases.end(), conform.begin(), conform.end());
    }

    for (const Case& c : cases) {
        CliRun r = run(c.args + " </dev/null");

        EXPECT_EQ(r.code, 2) << "lwm2mc " << c.args << "\n" << r.err;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << "lwm2mc " << c.args << "\n" << r.err;
        EXPECT_EQ(r.out, "") << "lwm2mc " << c.args;
    }
}

TEST(Cli, VerboseWorksBeforeAndAfterTheSubcommand) {
    fs::path bad = fs::temp_directory_path() / ("lwm2mc_cli_verbose_" + std::to_string(::getpid()) + ".lwm2m");
    std::ofstream(bad) << "model m;\nstate A initial goal;\nevent e: client;\nA + e -> Regstered;\n";
    const std::string caret = "    4 | A + e -> Regstered;\n      |          ^~~~~~~~~\n";

    CliRun before = run("-v validate " + bad.string());
    CliRun after = run("validate -v " + bad.string());
    CliRun long_after = run("check " + bad.string() + " --verbose");
    CliRun plain = run("check " + bad.string());
    fs::remove(bad);

    for (const CliRun* r : {&before, &after, &long_after}) {
        EXPECT_EQ(r->code, 2) << r->err;
        EXPECT_NE(r->err.find(caret), std::string::npos) << r->err;
    }
    EXPECT_EQ(plain.code, 2);
    EXPECT_EQ(plain.err.find(caret), std::string::npos) << plain.err;
}

TEST(Cli, ShowPrintsTablesAndJson) {
    CliRun table = run("show " + kModel);
    CliRun json = run("show " + kModel + " --format json");

    EXPECT_EQ(table.code, 0) << table.err;
    for (const char* section : {"Parameters", "Constraints", "Variables", "States", "Transitions", "Properties"}) {
        EXPECT_NE(table.out.find(std::string("\n") + section + "\n"), std::string::npos) << section;
    }
    EXPECT_TRUE(
        std::regex_search(table.out, std::regex("\nBsHoldOff +hold_off_expired +client_initiated +BsRequesting +"
                                                "client +hold_off +[0-9]+:1\n")))
        << table.out;
    EXPECT_EQ(json.code, 0) << json.err;
    EXPECT_NE(json.out.find("\"name\": \"lwm2m_ts10_draft\""), std::string::npos);
    EXPECT_NE(json.out.find("\"guard\": \"client_initiated\""), std::string::npos);
}

TEST(Cli, FmtCheckAcceptsCanonicalFilesAndRewritesOthersInPlace) {
    fs::path messy = fs::temp_directory_path() / "lwm2mc_cli_messy.lwm2m";
    std::ofstream(messy) << "model   m;\nstate A initial   goal;\n";

    CliRun shipped = run("fmt --check " + kModel + " " + kOverlay);
    CliRun before = run("fmt --check " + messy.string());
    CliRun rewrite = run("fmt -i " + messy.string());
    CliRun after = run("fmt --check " + messy.string());

    EXPECT_EQ(shipped.code, 0) << shipped.out << shipped.err;
    EXPECT_EQ(before.code, 1);
    EXPECT_EQ(before.out, messy.string() + ": not in canonical form (run 'lwm2mc fmt -i " + messy.string() + "')\n");
    EXPECT_EQ(rewrite.code, 0) << rewrite.err;
    EXPECT_EQ(slurp(messy), "model m;\nstate A initial goal;\n");
    EXPECT_EQ(after.code, 0);
    fs::remove(messy);
}

TEST(Cli, CheckReportsFindingsAndExitsWithOne) {
    CliRun text = run("check " + kModel);
    CliRun never = run("check " + kModel + " --fail-on never --format json");
    CliRun markdown = run("check " + kModel + " --format markdown");

    EXPECT_EQ(text.code, 1) << text.err;
    EXPECT_NE(text.out.find("error: no recovery from state 'BsFailed'"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("when: !factory && !smartcard && !client_initiated && server_initiated"),
              std::string::npos);
    EXPECT_EQ(never.code, 0) << never.err;
    EXPECT_NE(never.out.find("\"id\": \"no-recovery:BsFailed\""), std::string::npos);
    EXPECT_EQ(markdown.code, 1);
    EXPECT_EQ(markdown.out.rfind("## lwm2mc check: `lwm2m_ts10_draft`", 0), 0U) << markdown.out;
}

/// A model with `bools` bool parameters (2^bools configurations) whose one step needs them all, in a
/// temporary file the caller removes.
fs::path write_bool_parameter_model(const std::string& tag, int bools) {
    const fs::path path =
        fs::temp_directory_path() / ("lwm2mc-cli-" + tag + "-" + std::to_string(::getpid()) + ".lwm2m");
    std::ofstream out(path);
    out << "model m;\n";
    std::string all;
    for (int i = 0; i < bools; ++i) {
        out << "parameter p" << i << ": bool;\n";
        all += (i == 0 ? "p" : " && p") + std::to_string(i);
    }
    out << "state A initial goal;\nstate B;\nevent e: client;\nA + e [" << all << "] -> B;\n";
    return path;
}

TEST(Cli, CheckExitsWithOneWhenSomethingIsUndecidedWhateverFailOnSays) {
    // 2^21 configurations: more than the explicit engine enumerates, so it decides nothing.
    const fs::path wide = write_bool_parameter_model("wide", 21);
    CliRun never = run("check --engine explicit --fail-on never " + wide.string());
    fs::remove(wide);

    EXPECT_EQ(never.code, 1) << never.out << never.err;
    EXPECT_NE(never.out.find("1 undecided"), std::string::npos) << never.out;
}

TEST(Cli, CheckSaysWhichEngineDecidedAndWhy) {
    CliRun text = run("check " + kModel);
    CliRun json = run("check " + kModel + " --format json");
    CliRun z3 = run("check --engine z3 " + kModel);

    // auto (the default) picks the explicit engine for the shipped model and says why; the timing
    // parameter is counted as what it is, every value of it solved for, not as one configuration
    EXPECT_NE(text.out.find("explicit engine: 30 configurations x every value of hold_off in 0..4294967295 (solved "
                            "as intervals)"),
              std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find("  engine: auto: the explicit engine enumerates the parameters' 32 valuations"),
              std::string::npos)
        << text.out;
    EXPECT_NE(json.out.find("\"engine_reason\": \"auto: "), std::string::npos) << json.out;
    EXPECT_NE(json.out.find("\"timing_parameter\": \"hold_off in 0..4294967295\""), std::string::npos);
    EXPECT_EQ(z3.out.find("  engine: auto"), std::string::npos) << z3.out;
    // the same findings, whichever engine decided
    for (const char* id : {"no-recovery:BsFailed", "no-recovery:Init", "within:factory_reset_reregisters_in_time"}) {
        EXPECT_NE(json.out.find(std::string("\"id\": \"") + id + "\""), std::string::npos) << id;
    }
}

TEST(Cli, ATimeLimitThatIsReachedIsUndecidedNeverSilence) {
    // 2^16 configurations of a model whose every configuration has a run: a 1 ms limit stops the
    // explicit engine long before the end
    const fs::path wide = write_bool_parameter_model("limit", 16);
    CliRun limited = run("check --engine explicit --time-limit 0.001 --fail-on never " + wide.string());
    CliRun bad = run("check --time-limit -1 " + wide.string());
    fs::remove(wide);

    EXPECT_EQ(limited.code, 1) << limited.out << limited.err;
    EXPECT_NE(limited.out.find("time limit (1 ms) is reached after"), std::string::npos) << limited.out;
    EXPECT_EQ(bad.code, 2) << bad.err;
}

TEST(Cli, CheckWithAProposalSaysWhichFindingsDisappeared) {
    CliRun r = run("check " + kModel + " --proposal " + kOverlay);

    // with a proposal the exit status is about the change: nothing new or wider at --fail-on (the
    // ClientHoldOffTime bound still fails, but it failed in the base already)
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("Compared with the base model 'lwm2m_ts10_draft': 0 new, 0 widened, 0 changed, 0 narrowed, 9 "
                         "resolved, 9 unchanged, 0 undecided"),
              std::string::npos)
        << r.out;
}

const std::string kDeleteAll =
    std::string(LWM2MC_TEST_DATA_DIR) + "/models/proposals/delete-all-deletes-bs-account.lwm2m";
const std::string kNoRetry =
    std::string(LWM2MC_TEST_DATA_DIR) + "/models/proposals/no-retry-after-failed-bootstrap.lwm2m";

TEST(Cli, CheckWithAProposalFailsOnWhatItWidens) {
    CliRun widens_errors = run("check " + kModel + " --proposal " + kDeleteAll);
    CliRun widens_warning = run("check " + kModel + " --proposal " + kNoRetry);
    CliRun gate_on_warnings = run("check " + kModel + " --proposal " + kNoRetry + " --fail-on warning");

    EXPECT_EQ(widens_errors.code, 1);
    EXPECT_NE(widens_errors.out.find("  widened: error: no recovery from state 'Init'"), std::string::npos)
        << widens_errors.out;
    EXPECT_NE(widens_errors.out.find("      now also when: !factory && !smartcard && client_initiated   (e.g. "),
              std::string::npos)
        << widens_errors.out;
    EXPECT_EQ(widens_warning.code, 0) << widens_warning.out;  // a warning is not an error
    EXPECT_NE(widens_warning.out.find("widened: warning: from state 'BsFailed' only an operator step"),
              std::string::npos)
        << widens_warning.out;
    EXPECT_EQ(gate_on_warnings.code, 1);
}

TEST(Cli, DiffComparesTwoAlternativeProposals) {
    CliRun r = run("diff " + kModel + " " + kDeleteAll + " " + kNoRetry);
    CliRun json = run("diff " + kModel + " " + kDeleteAll + " " + kNoRetry + " --format json");
    CliRun one = run("diff " + kModel + " " + kOverlay);

    EXPECT_EQ(r.code, 1) << r.err;  // A widens errors
    EXPECT_NE(r.out.find("  A = 'delete_all_deletes_bs_account'"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("needs-intervention:BsFailed"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("B compared with A (as if A were the base):"), std::string::npos) << r.out;
    auto doc = nlohmann::json::parse(json.out);
    ASSERT_EQ(doc["proposals"].size(), 2U);
    EXPECT_EQ(doc["proposals"][0]["counts"]["widened"], 7);
    EXPECT_EQ(doc["proposals"][1]["counts"]["widened"], 1);
    EXPECT_FALSE(doc["second_vs_first"].is_null());
    EXPECT_EQ(one.code, 0) << one.out;  // the recommendation only resolves
    EXPECT_NE(one.out.find("9 resolved"), std::string::npos) << one.out;
}

TEST(Cli, CheckOptionsAreValidated) {
    CliRun rely = run("check " + kModel + " --rely client,wizard");
    CliRun config = run("check " + kModel + " --config hold_off=-1");
    CliRun trusting = run("check " + kModel + " --rely client,choice,response,operator,bs_initiative --fail-on error");
    CliRun fixed = run("check " + kModel + " --config factory=true --fail-on error");

    EXPECT_EQ(rely.code, 2);
    EXPECT_NE(rely.err.find("unknown actor 'wizard'"), std::string::npos) << rely.err;
    EXPECT_EQ(config.code, 2);
    EXPECT_NE(config.err.find("invalid value '-1' for parameter 'hold_off'"), std::string::npos) << config.err;
    EXPECT_EQ(trusting.out.find("no recovery from state 'BsFailed'"), std::string::npos) << trusting.out;
    EXPECT_EQ(fixed.code, 0) << fixed.out;
}

TEST(Cli, FmtRefusesAFileWithSyntaxErrors) {
    fs::path bad = fs::temp_directory_path() / "lwm2mc_cli_syntax.lwm2m";
    std::ofstream(bad) << "model m;\nstate A initial goal\n";

    CliRun r = run("fmt -i " + bad.string());

    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("[E001]"), std::string::npos);
    EXPECT_EQ(slurp(bad), "model m;\nstate A initial goal\n");
    fs::remove(bad);
}

}  // namespace

TEST(CliDiagram, WritesSvgPngAndDotByExtension) {
    const fs::path dir = fs::temp_directory_path() / ("lwm2mc_diagram_" + std::to_string(::getpid()));
    fs::create_directories(dir);

    CliRun svg = run("diagram " + kModel + " -o " + (dir / "m.svg").string());
    CliRun png = run("diagram " + kModel + " --findings -o " + (dir / "m.png").string());
    CliRun dot = run("diagram " + kModel + " -o " + (dir / "m.dot").string());

    EXPECT_EQ(svg.code, 0) << svg.err;
    EXPECT_EQ(png.code, 0) << png.err;
    EXPECT_EQ(dot.code, 0) << dot.err;
    EXPECT_NE(slurp(dir / "m.svg").find("<svg"), std::string::npos);
    EXPECT_EQ(slurp(dir / "m.png").substr(1, 3), "PNG");
    EXPECT_EQ(slurp(dir / "m.dot").rfind("digraph \"lwm2m_ts10_draft\" {", 0), 0U);
    fs::remove_all(dir);
}

TEST(CliDiagram, TraceDrawsTheWitnessOfTheServerInitiatedOnlyFinding) {
    const fs::path out = fs::temp_directory_path() / ("lwm2mc_trace_" + std::to_string(::getpid()) + ".dot");

    CliRun r = run("diagram " + kModel + " --trace no-recovery:BsFailed -o " + out.string());

    ASSERT_EQ(r.code, 0) << r.err;
    const std::string dot = slurp(out);
    EXPECT_NE(dot.find("(1) boot"), std::string::npos);
    EXPECT_NE(dot.find("(2) si_write"), std::string::npos);
    EXPECT_NE(dot.find("(3) exchange_lifetime_expired"), std::string::npos);
    EXPECT_NE(dot.find("witness: no-recovery:BsFailed under factory=false, smartcard=false"), std::string::npos);
    fs::remove(out);
}

TEST(CliDiagram, ProposalWithFindingsUsesCheckNumbersAndTheBaseLayout) {
    const fs::path out = fs::temp_directory_path() / ("lwm2mc_proposal_" + std::to_string(::getpid()) + ".dot");
    CliRun base = run("check " + kModel + " --fail-on never --format json");
    CliRun proposal = run("check " + kModel + " --proposal " + kOverlay + " --fail-on never --format json");
    ASSERT_EQ(base.code, 0) << base.err;
    ASSERT_EQ(proposal.code, 0) << proposal.err;
    const auto base_report = nlohmann::json::parse(base.out);
    const auto proposal_report = nlohmann::json::parse(proposal.out);

    CliRun r = run("diagram " + kModel + " --proposal " + kOverlay + " --findings -o " + out.string());

    ASSERT_EQ(r.code, 0) << r.err;
    const std::string dot = slurp(out);
    EXPECT_NE(dot.find("proposal on lwm2m_ts10_draft: no state or transition changed"), std::string::npos);
    EXPECT_NE(dot.find("+ constraint ci_with_si: server_initiated -&gt; client_initiated"), std::string::npos);
    EXPECT_NE(dot.find("graph [layout=nop2, splines=true];"), std::string::npos);
    EXPECT_EQ(dot.find(">F1<"), std::string::npos);
    // Every state is pinned.
    for (const char* state : {"Init", "Registered", "BsFailed", "BsHoldOff"}) {
        const auto at = dot.find(std::string("\n    \"") + state + "\" [");
        const auto line = dot.substr(at == std::string::npos ? 0 : at, dot.find('\n', at + 1) - at);
        EXPECT_NE(line.find("pos=\""), std::string::npos) << state;
    }
    // A state finding of the proposal carries its number in `check`'s report.
    bool state_finding = false;
    const auto& findings = proposal_report["findings"];
    for (std::size_t i = 0; i < findings.size(); ++i) {
        if (findings[i]["kind"] == "unreachable-state") {
            EXPECT_NE(dot.find(">#" + std::to_string(i + 1) + "<"), std::string::npos) << findings[i]["id"];
            state_finding = true;
        }
    }
    EXPECT_TRUE(state_finding);
    // A resolved finding has the base's number: "base #5", or within a run "base #1–#4".
    std::vector<std::pair<std::size_t, std::size_t>> tagged;
    const std::regex tag{"base #([0-9]+)(\u2013#([0-9]+))?"};
    for (auto it = std::sregex_iterator(dot.begin(), dot.end(), tag); it != std::sregex_iterator(); ++it) {
        const std::size_t first = std::stoul((*it)[1].str());
        tagged.emplace_back(first, (*it)[3].matched ? std::stoul((*it)[3].str()) : first);
    }
    const auto& resolved = proposal_report["compared_with"]["resolved"];
    ASSERT_FALSE(resolved.empty()) << proposal.out;
    for (const auto& f : resolved) {
        const auto& base_findings = base_report["findings"];
        for (std::size_t i = 0; i < base_findings.size(); ++i) {
            if (base_findings[i]["id"] == f["id"]) {
                EXPECT_TRUE(std::any_of(tagged.begin(), tagged.end(),
                                        [&](const auto& run) { return run.first <= i + 1 && i + 1 <= run.second; }))
                    << f["id"] << " is base #" << i + 1;
            }
        }
    }
    EXPECT_NE(dot.find("<B>resolved</B>: <S>"), std::string::npos);
    fs::remove(out);
}

TEST(CliDiagram, BadArgumentsGetClearMessages) {
    CliRun format = run("diagram " + kModel + " -o picture.pdf");
    CliRun trace = run("diagram " + kModel + " --trace nope -o /tmp/x.dot");
    CliRun config = run("diagram " + kModel + " --config factroy=true -o /tmp/x.dot");
    CliRun unwritable = run("diagram " + kModel + " -o /nonexistent-dir/x.svg");

    EXPECT_EQ(format.code, 2);
    EXPECT_NE(format.err.find("must end in .svg, .png or .dot"), std::string::npos) << format.err;
    EXPECT_EQ(trace.code, 2);
    EXPECT_NE(trace.err.find("--trace: no finding 'nope'; findings with a witness:\n  no-recovery:Init"),
              std::string::npos)
        << trace.err;
    EXPECT_EQ(config.code, 2);
    EXPECT_NE(config.err.find("--config"), std::string::npos) << config.err;
    EXPECT_EQ(unwritable.code, 3);
    EXPECT_NE(unwritable.err.find("cannot write '/nonexistent-dir/x.svg'"), std::string::npos) << unwritable.err;
}

namespace {

const std::string kData = LWM2MC_TEST_DATA_DIR;
const std::string kCoverageModel = kData + "/diagrams/coverage.lwm2m";
const std::string kCoverageSuite = kData + "/diagrams/coverage-suite.json";

fs::path temp_file(const std::string& stem, const std::string& extension) {
    return fs::temp_directory_path() / (stem + "_" + std::to_string(::getpid()) + extension);
}

}  // namespace

TEST(CliDiagram, CoverageOfAHandMadeSuiteMatchesTheGolden) {
    const fs::path out = temp_file("lwm2mc_coverage", ".dot");

    CliRun r = run("diagram " + kCoverageModel + " --coverage " + kCoverageSuite + " -o " + out.string());

    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    // The same golden as DotGolden.CoverageOfATestSuite, which builds the counts by hand: the suite document's
    // steps, alternatives and their continuations are counted as docs/diagrams.md says.
    EXPECT_EQ(slurp(out), slurp(kData + "/diagrams/coverage.dot"));
    fs::remove(out);
}

TEST(CliDiagram, CoverageSuitePicksOneConfigurationClass) {
    const fs::path out = temp_file("lwm2mc_coverage_class", ".dot");

    CliRun second =
        run("diagram " + kCoverageModel + " --coverage " + kCoverageSuite + " --coverage-suite 2 -o " + out.string());
    const std::string dot = slurp(out);
    CliRun third =
        run("diagram " + kCoverageModel + " --coverage " + kCoverageSuite + " --coverage-suite 3 -o " + out.string());
    CliRun alone = run("diagram " + kCoverageModel + " --coverage-suite 1 -o " + out.string());

    EXPECT_EQ(second.code, 0) << second.err;
    EXPECT_NE(dot.find("coverage: coverage-suite.json, criterion transitions, class 2 of 2: ci=false"),
              std::string::npos)
        << dot;
    // ci=false: expired is disabled, Requesting and Registered are never reached, so what leaves them is grey.
    EXPECT_NE(dot.find("covered 2 of 13 transitions; 10 not covered are ruled out by the configuration (grey)"),
              std::string::npos)
        << dot;
    EXPECT_NE(dot.find("label=\"boot \u00D71\""), std::string::npos) << dot;
    EXPECT_EQ(third.code, 2);
    EXPECT_EQ(third.err,
              kCoverageSuite +
                  ": error: --coverage-suite 3: no such configuration class; the document has classes 1, 2\n");
    EXPECT_NE(alone.code, 0);
    EXPECT_NE(alone.err.find("--coverage-suite requires --coverage"), std::string::npos) << alone.err;
    fs::remove(out);
}

TEST(CliDiagram, CoverageOfASuiteMadeFromAnotherModelIsRefused) {
    const fs::path out = temp_file("lwm2mc_coverage_other", ".dot");

    CliRun r = run("diagram " + kModel + " --coverage " + kCoverageSuite + " -o " + out.string());

    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find(kCoverageSuite +
                         ": warning: the suite was generated from model 'coverage_demo'; drawing it on "
                         "'lwm2m_ts10_draft'\n"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(kCoverageSuite +
                         ": error: transition 'Init.boot.HoldOff' (at /suites/0/cases/0/steps/0/transition) is not in "
                         "model 'lwm2m_ts10_draft': the suite was made from another model or proposal\n"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("transition 'Registered.keep.Registered' (at "
                         "/suites/0/cases/0/steps/3/alternatives/0/transition)"),
              std::string::npos)
        << r.err;
    EXPECT_FALSE(fs::exists(out));
}

TEST(CliDiagram, MalformedOrUnreadableSuitesGetClearMessages) {
    const fs::path malformed = temp_file("lwm2mc_malformed", ".json");
    std::ofstream(malformed) << "{\n  \"format\": \"lwm2mc-suite/1\",\n  \"suites\": [}\n";
    const fs::path wrong_format = temp_file("lwm2mc_wrong_format", ".json");
    std::ofstream(wrong_format) << R"({"format": "lwm2mc-suite/2", "suites": []})";
    const fs::path no_transition = temp_file("lwm2mc_no_transition", ".json");
    std::ofstream(no_transition)
        << R"({"format": "lwm2mc-suite/1", "suites": [{"cases": [{"steps": [{"event": "boot"}]}]}]})";
    const std::string diagram = "diagram " + kCoverageModel + " -o /tmp/lwm2mc_unused.dot --coverage ";

    CliRun bad_json = run(diagram + malformed.string());
    CliRun bad_format = run(diagram + wrong_format.string());
    CliRun bad_step = run(diagram + no_transition.string());
    CliRun missing = run(diagram + "/nonexistent-dir/suite.json");

    EXPECT_EQ(bad_json.code, 2);
    EXPECT_EQ(
        bad_json.err.rfind(malformed.string() + ":3:14: error: malformed JSON: syntax error while parsing value", 0),
        0U)
        << bad_json.err;
    EXPECT_EQ(bad_format.code, 2);
    EXPECT_EQ(bad_format.err,
              wrong_format.string() + ": error: /format: expected 'lwm2mc-suite/1'; got 'lwm2mc-suite/2'\n");
    EXPECT_EQ(bad_step.code, 2);
    EXPECT_EQ(bad_step.err, no_transition.string() +
                                ": error: /suites/0/cases/0/steps/0: expected an object with a string 'transition'\n");
    // a file named on the command line that does not exist is a usage error (2); one that exists but cannot be
    // read is an I/O error (3)
    EXPECT_EQ(missing.code, 2);
    EXPECT_NE(missing.err.find("--coverage: File does not exist: /nonexistent-dir/suite.json"), std::string::npos)
        << missing.err;
    fs::remove(malformed);
    fs::remove(wrong_format);
    fs::remove(no_transition);
}

TEST(CliReplay, ReportsAgreementAndTheFirstDivergence) {
    const fs::path trace = fs::temp_directory_path() / ("lwm2mc_replay_" + std::to_string(::getpid()) + ".jsonl");
    std::ofstream(trace)
        << "{\"event\":\"boot\",\"to\":\"BsHoldOff\"}\n{\"event\":\"si_write\",\"to\":\"BsPending\"}\n";
    const std::string config = " --config factory=false,smartcard=false,client_initiated={},server_initiated={},"
                               "supports_factory_reset=false,hold_off=3";
    auto with = [&](const char* ci, const char* si) {
        std::string c = config;
        c.replace(c.find("{}"), 2, ci);
        c.replace(c.find("{}"), 2, si);
        return c;
    };

    CliRun agree = run("replay " + kModel + " " + trace.string() + with("false", "true"));
    CliRun diverge = run("replay " + kModel + " " + trace.string() + with("true", "false"));
    CliRun partial = run("replay " + kModel + " " + trace.string() + " --config factory=false");

    EXPECT_EQ(agree.code, 0) << agree.err;
    EXPECT_NE(agree.out.find("ok: 2 of 2 steps agree"), std::string::npos) << agree.out;
    EXPECT_EQ(diverge.code, 1) << diverge.err;
    EXPECT_NE(diverge.out.find(":2: divergence after 1 agreeing steps"), std::string::npos) << diverge.out;
    EXPECT_NE(diverge.out.find("it allows: hold_off_expired -> BsRequesting"), std::string::npos) << diverge.out;
    EXPECT_EQ(partial.code, 2);
    EXPECT_NE(partial.err.find("--config must fix every parameter; missing: smartcard"), std::string::npos);
    fs::remove(trace);
}

namespace {

const std::string kReplayConfig = " --config factory=false,smartcard=false,client_initiated=false,"
                                  "server_initiated=true,supports_factory_reset=false,hold_off=3";

}  // namespace

TEST(CliReplay, ReadsTheTraceFromStandardInput) {
    const fs::path trace = temp_file("lwm2mc_replay_stdin", ".jsonl");
    std::ofstream(trace) << "{\"t_ms\":0,\"kind\":\"start\",\"state\":\"Init\",\"vars\":{}}\n"
                            "{\"t_ms\":1,\"kind\":\"transition\",\"from\":\"Init\",\"event\":\"boot\",\"actor\":"
                            "\"client\",\"to\":\"BsHoldOff\",\"vars\":{}}\n"
                            "{\"t_ms\":2,\"kind\":\"message\",\"dir\":\"out\",\"text\":\"ignored\"}\n"
                            "{\"t_ms\":3,\"kind\":\"transition\",\"event\":\"bs_finish\",\"to\":\"RegPending\"}\n";

    const fs::path prefix = temp_file("lwm2mc_replay_prefix", ".jsonl");
    std::ofstream(prefix) << slurp(trace).substr(0, slurp(trace).rfind("{\"t_ms\":3"));

    CliRun agree = run("replay " + kModel + " -" + kReplayConfig + " < " + prefix.string());
    CliRun diverge = run("replay " + kModel + " -" + kReplayConfig + " < " + trace.string());
    CliRun empty = run("replay " + kModel + " -" + kReplayConfig + " < /dev/null");
    fs::remove(trace);
    fs::remove(prefix);

    EXPECT_EQ(agree.code, 0) << agree.err;
    EXPECT_NE(agree.out.find("ok: 2 of 2 steps agree with model 'lwm2m_ts10_draft'; the client ends in 'BsHoldOff'"),
              std::string::npos)
        << agree.out;
    EXPECT_EQ(diverge.code, 1) << diverge.err;
    EXPECT_EQ(diverge.out.rfind("<stdin>:4: divergence after 2 agreeing steps: ", 0), 0U) << diverge.out;
    EXPECT_EQ(empty.code, 0) << empty.err;
    EXPECT_NE(empty.out.find("ok: 0 of 0 steps agree"), std::string::npos) << empty.out;
}

TEST(CliReplay, PrintsItsVerdictAsJson) {
    const fs::path trace = temp_file("lwm2mc_replay_json", ".jsonl");
    std::ofstream(trace) << "{\"event\":\"boot\",\"to\":\"BsHoldOff\"}\n"
                            "{\"event\":\"si_write\",\"to\":\"BsPending\"}\n"
                            "{\"event\":\"bs_finish\",\"to\":\"Registered\"}\n";
    const fs::path bad = temp_file("lwm2mc_replay_bad", ".jsonl");
    std::ofstream(bad) << "{\"event\":\"boot\"}\n";

    CliRun diverge = run("replay " + kModel + " " + trace.string() + kReplayConfig + " --format json");
    CliRun agree =
        run("replay " + kModel + " - --format json" + kReplayConfig + " < /dev/null");  // text is the default
    CliRun malformed = run("replay " + kModel + " " + bad.string() + kReplayConfig + " --format json");
    fs::remove(trace);
    fs::remove(bad);

    EXPECT_EQ(diverge.code, 1) << diverge.err;
    const auto d = nlohmann::json::parse(diverge.out);
    EXPECT_EQ(d["format"], "lwm2mc-replay/1");
    EXPECT_EQ(d["model"], "lwm2m_ts10_draft");
    EXPECT_EQ(d["trace"], trace.string());
    EXPECT_EQ(d["configuration"]["server_initiated"], "true");
    EXPECT_EQ(d["configuration"]["hold_off"], "3");
    EXPECT_EQ(d["verdict"], "diverges");
    EXPECT_EQ(d["observations"], 3);
    EXPECT_EQ(d["matched"], 2);
    EXPECT_EQ(d["path"], nlohmann::json::array({"Init.boot.BsHoldOff", "BsHoldOff.si_write.BsPending"}));
    EXPECT_EQ(d["state"], "BsPending");
    EXPECT_EQ(d["vars"]["has_bs_account"], "true");
    EXPECT_EQ(d["divergence"]["index"], 2);
    EXPECT_EQ(d["divergence"]["line"], 3);
    EXPECT_NE(d["divergence"]["message"].get<std::string>().find("the client went to 'Registered'"), std::string::npos)
        << d["divergence"];
    bool lists_the_timeout = false;
    for (const auto& a : d["divergence"]["allowed"]) {
        EXPECT_TRUE(a.contains("transition") && a.contains("event") && a.contains("to")) << a;
        lists_the_timeout = lists_the_timeout || (a["transition"] == "BsPending.exchange_lifetime_expired.BsFailed" &&
                                                  a["event"] == "exchange_lifetime_expired" && a["to"] == "BsFailed");
    }
    EXPECT_TRUE(lists_the_timeout) << d["divergence"]["allowed"];
    EXPECT_EQ(agree.code, 0) << agree.err;
    const auto a = nlohmann::json::parse(agree.out);
    EXPECT_EQ(a["verdict"], "agrees");
    EXPECT_EQ(a["trace"], "-");
    EXPECT_EQ(a["state"], "Init");
    EXPECT_TRUE(a["divergence"].is_null());
    // bad input is an error message on stderr in either format, never half a JSON document
    EXPECT_EQ(malformed.code, 2);
    EXPECT_EQ(malformed.out, "");
    EXPECT_NE(malformed.err.find(":1:1: a transition record needs \"to\""), std::string::npos) << malformed.err;
}

TEST(Cli, ShowAndCheckAModelWithRegions) {
    const std::string model = std::string(LWM2MC_TEST_DATA_DIR) + "/models/valid/multi_server_2.lwm2m";

    CliRun table = run("show " + model);
    CliRun check = run("check " + model + " --engine both");

    EXPECT_EQ(table.code, 0) << table.err;
    EXPECT_NE(table.out.find("\nRegions\n"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("srv[2]: RegPending -> Registered"), std::string::npos) << table.out;
    EXPECT_EQ(check.code, 0) << check.out << check.err;
    EXPECT_NE(check.out.find("0 error(s), 0 warning(s)"), std::string::npos) << check.out;
}
