// SPDX-License-Identifier: Apache-2.0
#include "generate.hpp"

#include "lwm2mc/checker/check.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/testgen/render.hpp"
#include "lwm2mc/testgen/suite.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>

namespace lwm2mc::cli {

namespace {

/// The witnesses of the explicit engine's findings in one configuration, as scenarios of exact transitions.
std::vector<testgen::Scenario> witnesses(const model::Model& m, const model::Configuration& config) {
    checker::CheckOptions options;
    options.engine = checker::Engine::Explicit;
    options.fixed.assign(config.values.begin(), config.values.end());
    checker::CheckResult result = checker::check_explicit(m, options);
    std::vector<testgen::Scenario> out;
    for (const checker::Finding& f : result.findings) {
        testgen::Scenario sc;
        sc.name = f.id;
        sc.purpose = fmt::format("{}: {}", f.id, f.message);
        sc.range = f.range;
        sc.observe_after = true;
        if (!f.witness) {
            sc.untestable = "no run shows it (" + std::string(checker::finding_code(f.kind)) +
                            "): there is nothing to drive; a client that gets there fails whichever test observes it";
            out.push_back(std::move(sc));
            continue;
        }
        for (const checker::TraceStep& step : f.witness->steps) {
            testgen::ScenarioStep s;
            s.transition = m.find_transition(step.transition);
            s.range = step.range;
            sc.steps.push_back(s);
        }
        out.push_back(std::move(sc));
    }
    return out;
}

/// "a, b,c" -> {"a", "b", "c"}.
std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> items;
    while (!text.empty()) {
        auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') {
            item.remove_prefix(1);
        }
        while (!item.empty() && item.back() == ' ') {
            item.remove_suffix(1);
        }
        if (!item.empty()) {
            items.emplace_back(item);
        }
    }
    return items;
}

}  // namespace

int generate_command(const GenerateCommandOptions& o, const CommandIo& io) {
    auto usage = [&](const std::string& message) {
        io.err << "lwm2mc generate: error: " << message << '\n';
        return static_cast<int>(ExitCode::InvalidModel);
    };
    std::string error;
    auto criterion = testgen::parse_criterion(o.cover, error);
    if (!criterion) {
        return usage(error);
    }
    if (o.format != "json" && o.format != "markdown" && o.format != "gtest") {
        return usage(fmt::format("unknown format '{}' (expected json, markdown or gtest)", o.format));
    }
    auto loaded = o.proposal ? model::load_with_overlay(o.model, *o.proposal) : model::load_model(o.model);
    model::print_diagnostics(io.err, loaded.diagnostics, io.verbose);
    if (!loaded.ok()) {
        return static_cast<int>(ExitCode::InvalidModel);
    }
    const model::Model& m = *loaded.model;
    const model::Interpreter interp{m};

    testgen::GenerateOptions options;
    options.criterion = *criterion;
    options.reset_cost = o.reset_cost;
    options.max_product_states = o.max_states;
    options.fixed = interp.parse_assignment(o.config, error);
    if (!error.empty()) {
        return usage("--config: " + error);
    }
    for (const std::string& name : split_list(o.exclude_events)) {
        auto id = m.find_event(name);
        if (!id) {
            return usage(fmt::format("--exclude-events: unknown event '{}'", name));
        }
        options.limits.excluded_events.push_back(*id);
    }
    for (const std::string& name : split_list(o.urgent_states)) {
        auto id = m.find_state(name);
        if (!id) {
            return usage(fmt::format("--urgent-states: unknown state '{}'", name));
        }
        options.limits.urgent_states.push_back(*id);
    }
    if (criterion->kind == testgen::Criterion::Paths) {
        std::ifstream in(criterion->paths_file, std::ios::binary);
        if (!in) {
            io.err << criterion->paths_file << ": error: cannot read the scenario file\n";
            return static_cast<int>(ExitCode::IoError);
        }
        std::stringstream text;
        text << in.rdbuf();
        std::vector<model::Diagnostic> errors;
        options.scenarios = testgen::parse_scenarios(m, text.str(), criterion->paths_file, errors);
        if (!errors.empty()) {
            model::print_diagnostics(io.err, errors, io.verbose);
            return static_cast<int>(ExitCode::InvalidModel);
        }
        if (options.scenarios.empty()) {
            return usage(fmt::format("{}: no scenario in the file", criterion->paths_file));
        }
    }
    if (criterion->kind == testgen::Criterion::Findings) {
        options.findings = [&m](const model::Configuration& c) { return witnesses(m, c); };
    }

    testgen::GenerateResult result = testgen::generate(m, options);
    if (!result.ok()) {
        for (auto& d : result.errors) {
            if (!d.range.valid()) {
                io.err << "lwm2mc generate: error: " << d.message << '\n';
            } else {
                model::print_diagnostic(io.err, d, io.verbose);
            }
        }
        return static_cast<int>(ExitCode::InvalidModel);
    }
    const testgen::SuiteSet& set = *result.suites;
    std::string text = o.format == "json"       ? testgen::render_json(m, set)
                       : o.format == "markdown" ? testgen::render_markdown(m, set)
                                                : testgen::render_gtest(m, set, o.gtest_suite);
    if (o.output == "-") {
        io.out << text;
    } else if (!model::write_file_atomically(o.output, text, error)) {
        io.err << o.output << ": error: " << error << '\n';
        return static_cast<int>(ExitCode::IoError);
    }
    // A summary per class on stderr when the suite goes to stdout, else on stdout.
    std::ostream& summary = o.output == "-" ? io.err : io.out;
    for (const testgen::Suite& s : set.suites) {
        const auto& st = s.statistics;
        summary << fmt::format("class {}: {}: {} case(s), {} steps, length {} (lower bound {}), {}/{} targets{}\n",
                               s.class_index, s.class_description, s.cases.size(), st.steps, st.length, st.lower_bound,
                               st.covered, st.targets,
                               s.deterministic ? "" : fmt::format(", {} choice point(s)", st.choice_points));
        if (!s.not_covered.empty()) {
            summary << fmt::format("  {} target(s) or model transition(s) not covered, with the reason in the suite's "
                                   "not_covered\n",
                                   s.not_covered.size());
        }
    }
    return static_cast<int>(ExitCode::Ok);
}

}  // namespace lwm2mc::cli
