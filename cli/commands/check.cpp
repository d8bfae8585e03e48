// SPDX-License-Identifier: Apache-2.0
#include "commands/check.hpp"

#include "lwm2mc/diagrams/render.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <ostream>

#include "commands/diagram.hpp"

namespace lwm2mc::cli {

using namespace lwm2mc::checker;

int check_exit_code(const CheckResult& r, FailOn fail_on) {
    if (!r.unknown.empty()) {
        return static_cast<int>(ExitCode::Findings);  // undecided is never "no finding", whatever --fail-on says
    }
    if (fail_on == FailOn::Never) {
        return static_cast<int>(ExitCode::Ok);
    }
    const auto limit = static_cast<int>(fail_on);
    const bool failing = std::any_of(r.findings.begin(), r.findings.end(),
                                     [&](const Finding& f) { return static_cast<int>(f.severity) <= limit; });
    return static_cast<int>(failing ? ExitCode::Findings : ExitCode::Ok);
}

int diff_exit_code(const ProposalDiff& diff, const CheckResult& proposal, FailOn fail_on) {
    if (!diff.unknown.empty() || !proposal.unknown.empty()) {
        return static_cast<int>(ExitCode::Findings);  // an undecided comparison is no verdict
    }
    if (fail_on == FailOn::Never) {
        return static_cast<int>(ExitCode::Ok);
    }
    bool grows = diff.introduces(static_cast<Severity>(static_cast<int>(fail_on)));
    return static_cast<int>(grows ? ExitCode::Findings : ExitCode::Ok);
}

namespace {

std::optional<model::Model> load(const std::string& path, const std::optional<std::string>& overlay,
                                 const CommandIo& io, int& code) {
    auto r = overlay ? model::load_with_overlay(path, *overlay) : model::load_model(path);
    model::print_diagnostics(io.err, r.diagnostics, io.verbose);
    if (!r.ok()) {
        bool unreadable = std::any_of(r.diagnostics.begin(), r.diagnostics.end(),
                                      [](const model::Diagnostic& d) { return d.code == "E003"; });
        code = static_cast<int>(unreadable ? ExitCode::IoError : ExitCode::InvalidModel);
        return std::nullopt;
    }
    return std::move(r.model);
}

/// The HTML report's pictures: the model with every finding marked, and per finding with a witness the model with
/// that witness drawn. A rendering failure leaves the pictures out and says why (the report is still written).
HtmlFigures html_figures(const model::Model& m, const CheckResult& result) {
    HtmlFigures figures;
    diagrams::DotOptions dot;
    if (!m.base_name.empty()) {
        dot.title = m.title.empty() ? m.name : m.name + "\n" + m.title;
    }
    try {
        figures.overview_svg =
            diagrams::render(diagrams::to_dot(m, dot, highlights_from(m, result)), diagrams::ImageFormat::Svg);
        for (const Finding& f : result.findings) {
            auto trace = trace_overlay(f);
            if (!trace) {
                continue;
            }
            CheckResult only;
            only.findings.push_back(f);
            diagrams::Highlights highlights = highlights_from(m, only);
            highlights.trace = std::move(trace);
            figures.witness_svg[f.id] =
                diagrams::render(diagrams::to_dot(m, dot, highlights), diagrams::ImageFormat::Svg);
        }
    } catch (const diagrams::RenderError& e) {
        figures.note = std::string{"the diagrams could not be rendered: "} + e.what();
    }
    return figures;
}

/// The engine options for `m`: --rely and --config parsed (the configuration by `m`'s parameters).
/// nullopt after printing why (exit 2).
std::optional<CheckOptions> options_for(const model::Model& m, const CheckCommandOptions& options, const CommandIo& io,
                                        const char* command) {
    CheckOptions check_options = options.check;
    if (options.reliance) {
        check_options.reliance = model::ActorSet{};
        std::string list = *options.reliance;
        std::size_t start = 0;
        while (start <= list.size()) {
            std::size_t end = list.find(',', start);
            std::string name = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
            auto actor = model::parse_qualified_actor(name);
            if (!actor) {
                io.err << fmt::format("lwm2mc {}: unknown actor '{}' in --rely (actors: client, choice, response, "
                                      "server_initiative, bs_initiative, fault, operator; response, "
                                      "server_initiative and fault may name a peer: response(server), fault(bs))\n",
                                      command, name);
                return std::nullopt;
            }
            check_options.reliance.insert(actor->first, actor->second);
            if (end == std::string::npos) {
                break;
            }
            start = end + 1;
        }
    }
    if (options.config) {
        model::Interpreter interp{m};
        std::string error;
        auto fixed = interp.parse_assignment(*options.config, error);
        if (!error.empty()) {
            io.err << fmt::format("lwm2mc {}: --config: {}\n", command, error);
            return std::nullopt;
        }
        check_options.fixed = std::move(fixed);
    }
    return check_options;
}

}  // namespace

int check_command(const CheckCommandOptions& options, const CommandIo& io) {
    int code = 0;
    auto target = load(options.model, options.proposal, io, code);
    if (!target) {
        return code;
    }
    auto parsed = options_for(*target, options, io, "check");
    if (!parsed) {
        return static_cast<int>(ExitCode::InvalidModel);
    }
    CheckOptions check_options = *parsed;
    CheckResult result;
    std::optional<ProposalDiff> diff;
    std::optional<model::Model> base;
    try {
        result = check(*target, check_options);
        if (options.proposal) {
            base = load(options.model, std::nullopt, io, code);
            if (!base) {
                return code;
            }
            CompareOptions compare_options;
            compare_options.solver_timeout_ms = check_options.solver_timeout_ms;
            if (check_options.time_limit_ms != 0) {
                compare_options.time_limit_ms = check_options.time_limit_ms;
            }
            auto base_options = options_for(*base, options, io, "check");
            if (!base_options) {
                return static_cast<int>(ExitCode::InvalidModel);
            }
            diff = compare(*base, check(*base, *base_options), *target, result, compare_options);
        }
    } catch (const SolverError& e) {
        io.err << "lwm2mc check: solver error: " << e.what() << '\n';
        return static_cast<int>(ExitCode::IoError);
    }
    const ReportInput input{*target, result, diff, base ? &*base : nullptr};
    switch (options.format) {
    case ReportFormat::Text:
        print_text(io.out, input);
        break;
    case ReportFormat::Json:
        io.out << to_json(input) << '\n';
        break;
    case ReportFormat::Markdown:
        print_markdown(io.out, input);
        break;
    case ReportFormat::Html:
        print_html(io.out, input, html_figures(*target, result));
        break;
    case ReportFormat::Sarif: {
        SarifOptions sarif;
        std::error_code ec;
        sarif.base_directory = std::filesystem::current_path(ec).string();
        io.out << to_sarif(input, sarif) << '\n';
        break;
    }
    case ReportFormat::Junit: {
        std::optional<Severity> fail_at;
        if (options.fail_on != FailOn::Never) {
            fail_at = static_cast<Severity>(static_cast<int>(options.fail_on));
        }
        print_junit(io.out, input, fail_at);
        break;
    }
    }
    if (diff) {
        return diff_exit_code(*diff, result, options.fail_on);
    }
    return check_exit_code(result, options.fail_on);
}

int diff_command(const CheckCommandOptions& options, const CommandIo& io) {
    int code = 0;
    auto base = load(options.model, std::nullopt, io, code);
    if (!base) {
        return code;
    }
    std::vector<model::Model> proposals;
    for (const auto& path : options.proposals) {
        auto m = load(options.model, path, io, code);
        if (!m) {
            return code;
        }
        proposals.push_back(std::move(*m));
    }
    auto base_options = options_for(*base, options, io, "diff");
    if (!base_options) {
        return static_cast<int>(ExitCode::InvalidModel);
    }
    CompareOptions compare_options;
    compare_options.solver_timeout_ms = base_options->solver_timeout_ms;
    if (base_options->time_limit_ms != 0) {
        compare_options.time_limit_ms = base_options->time_limit_ms;
    }
    CheckResult base_result = check(*base, *base_options);
    Alternatives alternatives;
    alternatives.base_name = base->name;
    std::vector<CheckResult> results;
    for (const auto& p : proposals) {
        auto p_options = options_for(p, options, io, "diff");
        if (!p_options) {
            return static_cast<int>(ExitCode::InvalidModel);
        }
        results.push_back(check(p, *p_options));
        alternatives.proposals.push_back(compare(*base, base_result, p, results.back(), compare_options));
    }
    if (proposals.size() == 2) {
        alternatives.second_vs_first = compare(proposals[0], results[0], proposals[1], results[1], compare_options);
    }
    switch (options.format) {
    case ReportFormat::Json:
        io.out << alternatives_json(alternatives, *base, proposals) << '\n';
        break;
    case ReportFormat::Markdown:
        print_alternatives_markdown(io.out, alternatives);
        break;
    default:
        print_alternatives_text(io.out, alternatives);
        break;
    }
    int worst = static_cast<int>(ExitCode::Ok);
    for (std::size_t i = 0; i < results.size(); ++i) {
        worst = std::max(worst, diff_exit_code(alternatives.proposals[i], results[i], options.fail_on));
    }
    return worst;
}

}  // namespace lwm2mc::cli
