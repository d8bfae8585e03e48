// SPDX-License-Identifier: Apache-2.0
#include "commands/conform.hpp"

#include "lwm2mc/conformance/capture.hpp"
#include "lwm2mc/conformance/report.hpp"
#include "lwm2mc/conformance/tester.hpp"
#include "lwm2mc/diagrams/dot.hpp"
#include "lwm2mc/diagrams/render.hpp"
#include "lwm2mc/model/loader.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lwm2mc::cli {

namespace {

std::optional<std::vector<std::size_t>> numbers(const std::string& list, std::string& error) {
    std::vector<std::size_t> out;
    std::stringstream in(list);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (item.empty()) {
            continue;
        }
        try {
            std::size_t used = 0;
            const auto v = std::stoul(item, &used);
            if (used != item.size() || v == 0) {
                throw std::invalid_argument(item);
            }
            out.push_back(v);
        } catch (const std::exception&) {
            error = fmt::format("'{}' is not a positive number", item);
            return std::nullopt;
        }
    }
    return out;
}

bool write_out(const std::string& path, const std::string& text, const CommandIo& io) {
    if (path == "-") {
        io.out << text;
        return true;
    }
    std::string error;
    if (!model::write_file_atomically(path, text, error)) {
        io.err << fmt::format("lwm2mc conform: error: cannot write '{}': {}\n", path, error);
        return false;
    }
    return true;
}

}  // namespace

int conform_command(const ConformCommandOptions& o, const CommandIo& io) {
    auto usage = [&](const std::string& message) {
        io.err << "lwm2mc conform: error: " << message << '\n';
        return static_cast<int>(ExitCode::InvalidModel);
    };
    const bool live = o.suite.has_value() || o.client.has_value();
    if (live && o.pcap) {
        return usage("give either --suite and --client (a live run) or --pcap (a capture), not both");
    }
    if (!live && !o.pcap) {
        return usage("give --suite SUITE.json and --client 'COMMAND' (a live run), or --pcap FILE (a capture)");
    }
    if (live && (!o.suite || !o.client)) {
        return usage("a live run needs both --suite and --client");
    }
    if (o.format != "text" && o.format != "json" && o.format != "junit") {
        return usage(fmt::format("unknown format '{}' (expected text, json or junit)", o.format));
    }
    if (!(o.time_scale > 0.0) || !(o.quiescence_s >= 0.0) || o.min_wait_ms < 0 || o.settle_ms < 0 ||
        !(o.patience_s >= 0.0)) {
        return usage("--time-scale must be positive, --quiescence and --min-wait-ms not negative");
    }
    if (o.coverage_file && !diagrams::format_from_path(*o.coverage_file)) {
        return usage(fmt::format("--coverage-diagram '{}': the file must end in .svg, .png or .dot", *o.coverage_file));
    }
    auto loaded = o.proposal ? model::load_with_overlay(o.model, *o.proposal) : model::load_model(o.model);
    model::print_diagnostics(io.err, loaded.diagnostics, io.verbose);
    if (!loaded.ok()) {
        return static_cast<int>(ExitCode::InvalidModel);
    }
    const model::Model& m = *loaded.model;
    conformance::MonitorOptions monitor;
    monitor.quiescence_ms = static_cast<std::int64_t>(o.quiescence_s * 1000.0);

    conformance::RunReport report;
    try {
        if (o.pcap) {
            conformance::CaptureOptions co;
            co.endpoint_name = o.endpoint;
            const auto capture = conformance::read_capture(*o.pcap, co);
            if (capture.error) {
                io.err << fmt::format("{}: error: {}\n", *o.pcap, *capture.error);
                return static_cast<int>(ExitCode::IoError);
            }
            report = conformance::check_capture(m, o.config, capture, *o.pcap, monitor, o.time_scale);
        } else {
            std::ifstream in(*o.suite, std::ios::binary);
            if (!in) {
                io.err << fmt::format("{}: error: cannot read the suite\n", *o.suite);
                return static_cast<int>(ExitCode::IoError);
            }
            nlohmann::json doc;
            try {
                doc = nlohmann::json::parse(in);
            } catch (const nlohmann::json::exception& e) {
                return usage(fmt::format("{}: not JSON: {}", *o.suite, e.what()));
            }
            conformance::TesterOptions t;
            t.client_command = *o.client;
            t.work_dir = o.work_dir;
            t.time_scale = o.time_scale;
            t.monitor = monitor;
            t.min_real_wait = std::chrono::milliseconds{o.min_wait_ms};
            t.settle = std::chrono::milliseconds{o.settle_ms};
            t.patience_ms = static_cast<std::int64_t>(o.patience_s * 1000.0);
            t.failures_per_sequence = o.failures_per_sequence;
            t.record = o.record;
            if (o.endpoint) {
                t.endpoint = *o.endpoint;
            }
            for (const auto& v : o.values) {
                const auto eq = v.find('=');
                if (eq == std::string::npos || eq == 0) {
                    return usage(fmt::format("--set '{}': expected name=value", v));
                }
                t.values[v.substr(0, eq)] = v.substr(eq + 1);
            }
            std::string error;
            auto classes = numbers(o.classes, error);
            auto cases = numbers(o.cases, error);
            if (!classes || !cases) {
                return usage("--classes/--cases: " + error);
            }
            t.classes = *classes;
            t.cases = *cases;
            report = conformance::run_suite(m, doc, t);
            report.input = *o.suite;
        }
    } catch (const nlohmann::json::exception& e) {
        return usage(fmt::format("the suite does not follow lwm2mc-suite/1: {}", e.what()));
    } catch (const std::invalid_argument& e) {
        return usage(e.what());
    }

    const std::string text = o.format == "json"    ? conformance::render_json(report)
                             : o.format == "junit" ? conformance::render_junit(report)
                                                   : conformance::render_text(report);
    bool ok = write_out(o.output, text, io);
    if (o.json_file) {
        ok = write_out(*o.json_file, conformance::render_json(report), io) && ok;
    }
    if (o.junit_file) {
        ok = write_out(*o.junit_file, conformance::render_junit(report), io) && ok;
    }
    if (o.coverage_file) {
        diagrams::Highlights h;
        diagrams::Coverage c;
        c.title = fmt::format("{}: transitions exercised by {}", m.name, report.input);
        for (const auto& [name, count] : report.exercised) {
            if (auto t = m.find_transition(name)) {
                c.planned[*t] = count;
            }
        }
        h.coverage = std::move(c);
        try {
            const auto data =
                diagrams::render(diagrams::to_dot(m, {}, h), *diagrams::format_from_path(*o.coverage_file));
            std::string error;
            if (!model::write_file_atomically(*o.coverage_file, data, error)) {
                io.err << fmt::format("lwm2mc conform: error: cannot write '{}': {}\n", *o.coverage_file, error);
                ok = false;
            }
        } catch (const diagrams::RenderError& e) {
            io.err << fmt::format("lwm2mc conform: error: cannot draw the coverage: {}\n", e.what());
            ok = false;
        }
    }
    if (!ok) {
        return static_cast<int>(ExitCode::IoError);
    }
    return report.passed() ? 0 : 1;
}

}  // namespace lwm2mc::cli
