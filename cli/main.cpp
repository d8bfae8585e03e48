// SPDX-License-Identifier: Apache-2.0
// lwm2mc: parse options, call one library function per subcommand, map outcomes to exit codes.

#include "lwm2mc/checker/report.hpp"
#include "lwm2mc/model/commands.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/promela.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <exception>
#include <iostream>

#include "commands/check.hpp"
#include "commands/diagram.hpp"
#include "commands/generate.hpp"
#include "commands/model.hpp"
#ifdef LWM2MC_HAVE_CONFORM
#include "commands/conform.hpp"
#endif

namespace {

/// A number of seconds, 0 or more (CLI::NonNegativeNumber's message would print the whole range of a double).
std::string non_negative_seconds(std::string& value) {
    double seconds = 0;
    if (!CLI::detail::lexical_cast(value, seconds) || !(seconds >= 0)) {
        return value + " is not a number of seconds (0 or more)";
    }
    return {};
}

/// `--cover`: the scenario file of `paths:FILE` must exist (the criterion itself is judged by `generate`).
std::string existing_scenario_file(std::string& value) {
    const std::string prefix = "paths:";
    if (value.rfind(prefix, 0) != 0 || value.size() == prefix.size()) {
        return {};
    }
    std::string file = value.substr(prefix.size());
    return CLI::ExistingFile(file);
}

/// An existing file, or `-` for standard input.
std::string existing_file_or_stdin(std::string& value) {
    return value == "-" ? std::string{} : CLI::ExistingFile(value);
}

}  // namespace

int main(int argc, char** argv) {
    using lwm2mc::ExitCode;
    CLI::App app{"lwm2mc: the OMA LwM2M client lifecycle as a formal model"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "lwm2mc " LWM2MC_VERSION);
    // Subcommands inherit this: an option a subcommand does not know is tried on the main command, so
    // `lwm2mc check -v MODEL` works as `lwm2mc -v check MODEL` does.
    app.fallthrough();
    bool verbose = false;
    app.add_flag("-v,--verbose", verbose, "Show the source line and a caret under each diagnostic");

    std::vector<std::string> validate_files;
    std::optional<std::string> validate_proposal;
    auto* validate = app.add_subcommand("validate", "Check that model files load without errors");
    validate->add_option("FILE", validate_files, "Model or overlay files")->required()->check(CLI::ExistingFile);
    validate->add_option("--proposal", validate_proposal, "Overlay to apply to each FILE")->check(CLI::ExistingFile);

    std::string show_file;
    std::optional<std::string> show_proposal;
    std::string show_format = "table";
    auto* show = app.add_subcommand("show", "Print the states, transitions, parameters, variables and properties");
    show->add_option("FILE", show_file, "Model or overlay file")->required()->check(CLI::ExistingFile);
    show->add_option("--proposal", show_proposal, "Overlay to apply to FILE")->check(CLI::ExistingFile);
    show->add_option("--format", show_format, "Output format")->check(CLI::IsMember({"table", "json"}));

    std::vector<std::string> fmt_files;
    bool fmt_check = false;
    bool fmt_in_place = false;
    auto* fmt = app.add_subcommand("fmt", "Print model files in canonical form");
    fmt->add_option("FILE", fmt_files, "Model or overlay files")->required()->check(CLI::ExistingFile);
    auto* check_flag = fmt->add_flag("--check", fmt_check, "Exit 1 if a file is not in canonical form");
    fmt->add_flag("-i,--in-place", fmt_in_place, "Rewrite the files in canonical form")->excludes(check_flag);

    lwm2mc::cli::CheckCommandOptions check_options;
    std::string check_format = "text";
    std::string check_fail_on = "error";
    std::string check_engine = "auto";
    double check_time_limit = 0;
    auto* check =
        app.add_subcommand("check", "Find unreachable, deadlocked and unrecoverable states and check properties");
    check->add_option("MODEL", check_options.model, "Model file")->required()->check(CLI::ExistingFile);
    check->add_option("--proposal", check_options.proposal, "Overlay to check; the report says what changed")
        ->check(CLI::ExistingFile);
    check
        ->add_option("--engine", check_engine,
                     "auto (explicit when it can enumerate the configurations, else z3), z3 (symbolic), explicit (per "
                     "configuration) or both (cross-checked)")
        ->check(CLI::IsMember({"auto", "z3", "explicit", "both"}));
    check
        ->add_option("--time-limit", check_time_limit,
                     "Seconds the engines may take in all (0: no limit); what is not decided by then is reported as "
                     "undecided")
        ->check(CLI::Validator(non_negative_seconds, "SECONDS"));
    check->add_option("--format", check_format, "Report format")
        ->check(CLI::IsMember({"text", "json", "markdown", "html", "sarif", "junit"}));
    check->add_option("--fail-on", check_fail_on, "Exit 1 when a finding of at least this severity exists")
        ->check(CLI::IsMember({"error", "warning", "note", "never"}));
    check->add_option("--rely", check_options.reliance,
                      "Actors the no-recovery analysis relies on (default: client,choice,response,operator)");
    check->add_option("--config", check_options.config, "Fix parameters: name=value,...");

    lwm2mc::cli::CheckCommandOptions diff_options;
    std::string diff_format = "text";
    std::string diff_fail_on = "error";
    std::string diff_engine = "auto";
    double diff_time_limit = 0;
    auto* diff = app.add_subcommand(
        "diff", "Compare alternative proposals (overlays) on one base model, finding by finding, by meaning");
    diff->add_option("BASE", diff_options.model, "Base model file")->required()->check(CLI::ExistingFile);
    diff->add_option("PROPOSAL", diff_options.proposals, "Overlays to compare (each applied to BASE)")
        ->required()
        ->check(CLI::ExistingFile);
    diff->add_option("--engine", diff_engine, "As for check")->check(CLI::IsMember({"auto", "z3", "explicit", "both"}));
    diff->add_option("--time-limit", diff_time_limit, "Seconds each check may take (0: no limit)")
        ->check(CLI::Validator(non_negative_seconds, "SECONDS"));
    diff->add_option("--format", diff_format, "Report format")->check(CLI::IsMember({"text", "json", "markdown"}));
    diff->add_option("--fail-on", diff_fail_on,
                     "Exit 1 when a proposal makes a finding of at least this severity new, wider or changed")
        ->check(CLI::IsMember({"error", "warning", "note", "never"}));
    diff->add_option("--rely", diff_options.reliance, "Actors the no-recovery analysis relies on (as for check)");
    diff->add_option("--config", diff_options.config, "Fix parameters: name=value,...");

    std::string export_model;
    std::string export_dir;
    auto* export_cmd = app.add_subcommand("export-promela", "Write one Promela model per configuration (for SPIN)");
    export_cmd->add_option("MODEL", export_model, "Model file")->required()->check(CLI::ExistingFile);
    export_cmd->add_option("-o,--output", export_dir, "Directory to write the .pml files into")->required();

    std::string replay_model;
    std::optional<std::string> replay_proposal;
    std::string replay_trace;
    std::string replay_config;
    std::string replay_format = "text";
    auto* replay = app.add_subcommand("replay", "Replay a client's JSON-lines trace on the model (conformance)");
    replay->add_option("MODEL", replay_model, "Model file")->required()->check(CLI::ExistingFile);
    replay
        ->add_option("TRACE", replay_trace,
                     "Trace file, or - for standard input (JSON lines as lwm2mc-client --trace writes; "
                     "docs/trace-format.md)")
        ->required()
        ->check(CLI::Validator(existing_file_or_stdin, "FILE|-"));
    replay->add_option("--format", replay_format, "Verdict format: text, or json (docs/trace-format.md)")
        ->check(CLI::IsMember({"text", "json"}));
    replay->add_option("--proposal", replay_proposal, "Overlay to apply to MODEL")->check(CLI::ExistingFile);
    replay->add_option("--config", replay_config, "The client's configuration: every parameter, name=value,...")
        ->required();

    lwm2mc::cli::DiagramCommandOptions diagram_options;
    std::string diagram_engine = "auto";
    bool diagram_no_legend = false;
    auto* diagram = app.add_subcommand("diagram", "Draw the model as a state diagram (SVG, PNG or DOT), with findings");
    diagram->add_option("MODEL", diagram_options.model, "Model file")->required()->check(CLI::ExistingFile);
    diagram->add_option("--proposal", diagram_options.proposal, "Overlay to draw against MODEL: its changes marked")
        ->check(CLI::ExistingFile);
    diagram->add_option("--config", diagram_options.config,
                        "Fix parameters (name=value,...): grey out what this configuration disables");
    diagram->add_flag("--findings", diagram_options.findings,
                      "Check the model and draw its findings (unreachable, no recovery, deadlock, ambiguity)");
    diagram->add_option("--trace", diagram_options.trace, "Draw the witness of this finding (id as `check` prints it)");
    diagram->add_option("--engine", diagram_engine, "Checker engine for --findings/--trace (as for check)")
        ->check(CLI::IsMember({"auto", "z3", "explicit", "both"}));
    diagram->add_flag("--no-legend", diagram_no_legend, "Leave the legend out");
    auto* diagram_coverage =
        diagram
            ->add_option("--coverage", diagram_options.coverage,
                         "Colour what a test suite covers (lwm2mc-suite/1 JSON, as `generate` writes; docs/testing.md)")
            ->check(CLI::ExistingFile);
    diagram
        ->add_option("--coverage-suite", diagram_options.coverage_suite,
                     "With --coverage: draw only this configuration class (1-based); default: all classes merged")
        ->needs(diagram_coverage)
        ->check(CLI::PositiveNumber);
    diagram->add_option("-o,--output", diagram_options.output, "Output file: .svg, .png or .dot")->required();

    lwm2mc::cli::GenerateCommandOptions generate_options;
    auto* generate = app.add_subcommand("generate", "Generate a test suite from the model (docs/testing.md)");
    generate->add_option("MODEL", generate_options.model, "Model file")->required()->check(CLI::ExistingFile);
    generate->add_option("--proposal", generate_options.proposal, "Overlay to apply to MODEL")
        ->check(CLI::ExistingFile);
    generate->add_option("--config", generate_options.config,
                         "Fix parameters (name=value,...); one suite per configuration class of the others");
    generate
        ->add_option("--cover", generate_options.cover,
                     "states, transitions, transition-pairs, findings, properties or paths:FILE")
        ->check(CLI::Validator(existing_scenario_file, "CRITERION"));
    generate->add_option("--reset-cost", generate_options.reset_cost, "Cost of restarting the client, in steps")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000000}));
    generate->add_option("--exclude-events", generate_options.exclude_events,
                         "Stimuli the tester cannot produce (event,...): their targets are reported, not planned");
    generate->add_option("--urgent-states", generate_options.urgent_states,
                         "States the client under test leaves at once (State,...): no stimulus is planned there");
    generate->add_option("--format", generate_options.format, "json (docs/testing.md), markdown or gtest")
        ->check(CLI::IsMember({"json", "markdown", "gtest"}));
    generate->add_option("--gtest-suite", generate_options.gtest_suite, "GoogleTest suite name (--format gtest)");
    generate->add_option("--max-states", generate_options.max_states, "Refuse product graphs larger than this")
        ->check(CLI::PositiveNumber);
    generate->add_option("-o,--output", generate_options.output, "Output file, or - for standard output")->required();

#ifdef LWM2MC_HAVE_CONFORM
    lwm2mc::cli::ConformCommandOptions conform_options;
    auto* conform = app.add_subcommand(
        "conform", "Play a generated suite against a client over CoAP, or check a capture (docs/conformance.md)");
    conform->add_option("MODEL", conform_options.model, "Model file")->required()->check(CLI::ExistingFile);
    conform->add_option("--proposal", conform_options.proposal, "Overlay to apply to MODEL")->check(CLI::ExistingFile);
    conform->add_option("--suite", conform_options.suite, "Suite to play (lwm2mc-suite/1 JSON from `generate`)")
        ->check(CLI::ExistingFile);
    conform->add_option("--client", conform_options.client,
                        "Client command template: {bs_uri} {server_uri} {endpoint} {state_dir} {port} {config} "
                        "{time_scale} and --set names");
    conform->add_option("--pcap", conform_options.pcap, "Check this capture (pcap/pcapng) instead of a live run")
        ->check(CLI::ExistingFile);
    conform->add_option("--config", conform_options.config, "With --pcap: the client's configuration (name=value,...)");
    conform->add_option("--endpoint", conform_options.endpoint,
                        "With --pcap: the client under test's endpoint name; live: the name given to {endpoint}");
    conform->add_option("--set", conform_options.values, "Extra placeholder value name=value (repeatable)");
    conform->add_option("--time-scale", conform_options.time_scale,
                        "Protocol seconds per real second of the client's timers (its --clock-factor)");
    conform->add_option("--quiescence", conform_options.quiescence_s,
                        "Protocol seconds a client may take for a step it must take (beyond the step's after)");
    conform->add_option("--min-wait-ms", conform_options.min_wait_ms,
                        "Real time always granted before a silence verdict");
    conform->add_option("--patience", conform_options.patience_s,
                        "Protocol seconds to wait for a planned step the client may take or not (default 900)");
    conform->add_option("--settle-ms", conform_options.settle_ms,
                        "Real time to wait after assumed silent client steps before sending a command");
    conform
        ->add_option("--failures-per-sequence", conform_options.failures_per_sequence,
                     "Requests one failed registration sequence takes (the client's retry count + 1)")
        ->check(CLI::Range(1U, 100U));
    conform->add_option("--classes", conform_options.classes, "Play only these configuration classes (1,2,...)");
    conform->add_option("--cases", conform_options.cases, "Play only these cases of each class (1,2,...)");
    conform->add_option("--work-dir", conform_options.work_dir, "Per-case state directories and client output");
    conform->add_flag("--record", conform_options.record,
                      "Record each case's CoAP traffic as WORK_DIR/class-K-case-N/wire.pcap (check it with --pcap)");
    conform->add_option("--format", conform_options.format, "text, json or junit (for --output)")
        ->check(CLI::IsMember({"text", "json", "junit"}));
    conform->add_option("-o,--output", conform_options.output, "Report file, or - for standard output");
    conform->add_option("--json", conform_options.json_file, "Also write the JSON report here");
    conform->add_option("--junit", conform_options.junit_file, "Also write JUnit XML here");
    conform->add_option("--coverage-diagram", conform_options.coverage_file,
                        "Draw the transitions the run exercised (.svg, .png or .dot)");
#endif

    // CLI11 reports an unknown command as "A subcommand is required"; name it instead.
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (!arg.empty() && arg[0] == '-') {
            continue;
        }
        auto subcommands = app.get_subcommands([](CLI::App*) { return true; });
        bool known = std::any_of(subcommands.begin(), subcommands.end(),
                                 [&](const CLI::App* s) { return s->get_name() == arg; });
        if (!known) {
            std::cerr << "lwm2mc: unknown command '" << arg
                      << "' (commands: validate, show, fmt, check, diagram, generate, conform, replay, export-promela; "
                         "see --help)\n";
            return static_cast<int>(ExitCode::Usage);
        }
        break;
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // CLI11 prints the message (the usage for --help, the version for --version); every usage error exits 2,
        // not CLI11's own code (docs/diagnostics.md).
        return app.exit(e) == 0 ? 0 : static_cast<int>(ExitCode::Usage);
    }

    lwm2mc::CommandIo io{std::cout, std::cerr, verbose};
    try {
        if (*validate) {
            return lwm2mc::cli::validate_command(validate_files, validate_proposal, io);
        }
        if (*show) {
            auto format = show_format == "json" ? lwm2mc::cli::ShowFormat::Json : lwm2mc::cli::ShowFormat::Table;
            return lwm2mc::cli::show_command(show_file, show_proposal, format, io);
        }
        if (*fmt) {
            return lwm2mc::cli::fmt_command(fmt_files, fmt_check, fmt_in_place, io);
        }
        if (*export_cmd) {
            auto loaded = lwm2mc::model::load_model(export_model);
            lwm2mc::model::print_diagnostics(std::cerr, loaded.diagnostics, verbose);
            if (!loaded.ok()) {
                return static_cast<int>(ExitCode::InvalidModel);
            }
            std::size_t n = lwm2mc::model::export_promela(*loaded.model, export_dir);
            std::cout << "wrote " << n << " Promela models to " << export_dir << '\n';
            return static_cast<int>(ExitCode::Ok);
        }
        if (*replay) {
            auto format = replay_format == "json" ? lwm2mc::cli::ReplayFormat::Json : lwm2mc::cli::ReplayFormat::Text;
            return lwm2mc::cli::replay_command(replay_model, replay_proposal, replay_trace, replay_config, format, io);
        }
        if (*diagram) {
            diagram_options.legend = !diagram_no_legend;
            diagram_options.engine = *lwm2mc::checker::parse_engine(diagram_engine);
            return lwm2mc::cli::diagram_command(diagram_options, io);
        }
        if (*generate) {
            return lwm2mc::cli::generate_command(generate_options, io);
        }
#ifdef LWM2MC_HAVE_CONFORM
        if (*conform) {
            return lwm2mc::cli::conform_command(conform_options, io);
        }
#endif
        if (*diff) {
            using lwm2mc::checker::ReportFormat;
            using lwm2mc::cli::FailOn;
            diff_options.format = diff_format == "json"       ? ReportFormat::Json
                                  : diff_format == "markdown" ? ReportFormat::Markdown
                                                              : ReportFormat::Text;
            diff_options.fail_on = diff_fail_on == "warning" ? FailOn::Warning
                                   : diff_fail_on == "note"  ? FailOn::Note
                                   : diff_fail_on == "never" ? FailOn::Never
                                                             : FailOn::Error;
            diff_options.check.engine = *lwm2mc::checker::parse_engine(diff_engine);
            diff_options.check.time_limit_ms =
                diff_time_limit > 0 ? std::max<std::uint64_t>(1, static_cast<std::uint64_t>(diff_time_limit * 1000.0))
                                    : 0;
            return lwm2mc::cli::diff_command(diff_options, io);
        }
        if (*check) {
            using lwm2mc::checker::ReportFormat;
            using lwm2mc::cli::FailOn;
            check_options.format = check_format == "json"       ? ReportFormat::Json
                                   : check_format == "markdown" ? ReportFormat::Markdown
                                   : check_format == "html"     ? ReportFormat::Html
                                   : check_format == "sarif"    ? ReportFormat::Sarif
                                   : check_format == "junit"    ? ReportFormat::Junit
                                                                : ReportFormat::Text;
            check_options.fail_on = check_fail_on == "warning" ? FailOn::Warning
                                    : check_fail_on == "note"  ? FailOn::Note
                                    : check_fail_on == "never" ? FailOn::Never
                                                               : FailOn::Error;
            check_options.check.engine = *lwm2mc::checker::parse_engine(check_engine);
            // a positive limit under 1 ms is 1 ms, not 0 (which means none)
            check_options.check.time_limit_ms =
                check_time_limit > 0 ? std::max<std::uint64_t>(1, static_cast<std::uint64_t>(check_time_limit * 1000.0))
                                     : 0;
            return lwm2mc::cli::check_command(check_options, io);
        }
    } catch (const std::exception& e) {
        std::cerr << "lwm2mc: internal error: " << e.what() << '\n';
        return static_cast<int>(ExitCode::Internal);
    }
    return static_cast<int>(ExitCode::Internal);
}
