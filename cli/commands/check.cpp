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

}  // namespace

int check_command(const CheckCommandOptions& options, const CommandIo& io) {
    int code = 0;
    auto target = load(options.model, options.proposal, io, code);
    if (!target) {
        return code;
    }
    CheckOptions check_options = options.check;
    if (options.reliance) {
        check_options.reliance = model::ActorSet{};
        std::string list = *options.reliance;
        std::size_t start = 0;
        while (start <= list.size()) {
            std::size_t end = list.find(',', start);
            std::string name = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
            auto actor = model::parse_actor(name);
            if (!actor) {
                io.err << fmt::format("lwm2mc check: unknown actor '{}' in --rely (actors: client, choice, response, "
                                      "server_initiative, bs_initiative, fault, operator)\n",
                                      name);
                return static_cast<int>(ExitCode::InvalidModel);
            }
            check_options.reliance.insert(*actor);
            if (end == std::string::npos) {
                break;
            }
            start = end + 1;
        }
    }
    if (options.config) {
        model::Interpreter interp{*target};
        std::string error;
        auto fixed = interp.parse_assignment(*options.config, error);
        if (!error.empty()) {
            io.err << "lwm2mc check: --config: " << error << '\n';
            return static_cast<int>(ExitCode::InvalidModel);
        }
        check_options.fixed = std::move(fixed);
    }
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
            diff = compare(*base, check(*base, check_options), *target, result, compare_options);
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
    return check_exit_code(result, options.fail_on);
}

}  // namespace lwm2mc::cli
