// SPDX-License-Identifier: Apache-2.0
// Scenario files for --cover paths:FILE (docs/testing.md): one scenario per paragraph, one step per
// line ("event" or "event -> State"), '#' comments.

#include "lwm2mc/testgen/suite.hpp"

#include <fmt/format.h>

#include <memory>

namespace lwm2mc::testgen {

namespace {

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::vector<Scenario> parse_scenarios(const model::Model& model, std::string_view text, const std::string& display_name,
                                      std::vector<model::Diagnostic>& errors) {
    auto file = std::make_shared<const model::SourceFile>(display_name, std::string(text));
    auto at = [&](std::uint32_t line, std::size_t col, std::size_t len) {
        auto c = static_cast<std::uint32_t>(col + 1);
        return model::SourceRange{file, line, c, static_cast<std::uint32_t>(c + std::max<std::size_t>(len, 1))};
    };
    auto fail = [&](const char* code, model::SourceRange range, std::string message) {
        errors.push_back({model::Severity::Error, code, std::move(range), std::move(message), {}});
    };
    std::vector<Scenario> result;
    bool in_scenario = false;
    std::string pending_comment;
    for (std::uint32_t line = 1; line <= file->line_count(); ++line) {
        std::string_view l = file->line_text(line);
        std::size_t hash = l.find('#');
        std::string_view comment = hash == std::string_view::npos ? std::string_view{} : l.substr(hash + 1);
        std::string_view body = l.substr(0, hash);
        std::size_t i = 0;
        auto skip_space = [&] {
            while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r')) {
                ++i;
            }
        };
        skip_space();
        if (i == body.size()) {
            if (!comment.empty() && !in_scenario) {
                while (!comment.empty() && comment.front() == ' ') {
                    comment.remove_prefix(1);
                }
                pending_comment = std::string(comment);
            }
            if (hash == std::string_view::npos) {
                in_scenario = false;  // a blank line ends a scenario
            }
            continue;
        }
        if (!in_scenario) {
            in_scenario = true;
            Scenario sc;
            sc.name = fmt::format("{}:{}", display_name, line);
            sc.purpose = pending_comment.empty() ? fmt::format("scenario at line {}", line) : pending_comment;
            sc.range = at(line, i, 1);
            pending_comment.clear();
            result.push_back(std::move(sc));
        }
        std::size_t start = i;
        while (i < body.size() && is_name_char(body[i])) {
            ++i;
        }
        if (i == start) {
            fail("G002", at(line, i, 1), fmt::format("expected an event name; got '{}'", body.substr(i, 1)));
            continue;
        }
        std::string_view event_name = body.substr(start, i - start);
        ScenarioStep step;
        step.range = at(line, start, event_name.size());
        step.event = model.find_event(event_name);
        if (!step.event) {
            fail("G003", step.range, fmt::format("unknown event '{}'", event_name));
            continue;
        }
        skip_space();
        if (i + 1 < body.size() && body[i] == '-' && body[i + 1] == '>') {
            i += 2;
            skip_space();
            std::size_t s = i;
            while (i < body.size() && is_name_char(body[i])) {
                ++i;
            }
            std::string_view state_name = body.substr(s, i - s);
            if (state_name.empty()) {
                fail("G002", at(line, s, 1), "expected a state name after '->'");
                continue;
            }
            step.target = model.find_state(state_name);
            if (!step.target) {
                fail("G004", at(line, s, state_name.size()), fmt::format("unknown state '{}'", state_name));
                continue;
            }
            skip_space();
        }
        if (i != body.size()) {
            fail("G002", at(line, i, 1), fmt::format("unexpected '{}' after the step", body.substr(i)));
            continue;
        }
        result.back().steps.push_back(step);
    }
    return result;
}

}  // namespace lwm2mc::testgen
