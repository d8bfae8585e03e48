// SPDX-License-Identifier: Apache-2.0
#include "report_support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace lwm2mc::checker {

std::vector<Citation> citations(const model::Model& m, const Finding& f) {
    std::vector<Citation> out;
    for (model::StateId s : f.states) {
        if (s.index() < m.state_count()) {
            const model::State& state = m.state(s);
            out.push_back(Citation{"state", state.name, state.doc, state.ref, state.range});
        }
    }
    if (f.region_state && f.region_state->region < m.regions.size()) {
        const model::Region& r = m.regions[f.region_state->region];
        const auto k = static_cast<std::size_t>(f.region_state->state);
        if (k < r.states.size()) {
            const model::RegionState& s = r.states[k];
            out.push_back(Citation{"region state", r.name + "=" + s.name, s.doc, s.ref, s.range});
        }
    }
    for (model::TransitionId t : f.transitions) {
        if (t.index() < m.transition_count()) {
            const model::Transition& tr = m.transition(t);
            out.push_back(Citation{"transition", tr.name, tr.doc, tr.ref, tr.range});
        }
    }
    // A property finding's subject is the property's name; the kind's code is the property's kind
    // ("within"), which keeps a state that happens to share a property's name from being cited as one.
    for (const model::Property& p : m.properties) {
        if (p.name == f.subject && std::string_view{model::property_kind_name(p.kind)} == finding_code(f.kind)) {
            out.push_back(Citation{"property", p.name, p.doc, p.ref, p.range});
        }
    }
    // An event property is checked as an invariant of the monitored copy: its finding is `invariant:NAME`.
    for (const model::EventProperty& p : m.event_properties) {
        if (p.name == f.subject && std::string_view{finding_code(f.kind)} == "invariant") {
            out.push_back(Citation{"property", p.name, p.doc, p.ref, p.range});
        }
    }
    return out;
}

namespace detail {

std::string witness_under(const Witness& witness, const std::function<std::string(const std::string&)>& quoted) {
    return witness.configuration.empty() ? std::string{} : " under " + quoted(witness.configuration);
}

namespace {

std::map<std::string, std::string> split_vars(const std::string& text) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find(", ", start);
        std::string item = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        auto eq = item.find('=');
        if (eq != std::string::npos) {
            out[item.substr(0, eq)] = item.substr(eq + 1);
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 2;
    }
    return out;
}

}  // namespace

std::string step_source(const TraceStep& s) {
    return s.region_source.empty() ? s.source : s.source + ", " + s.region_source;
}

std::string step_target(const TraceStep& s) {
    return s.region_target.empty() ? s.target : s.target + ", " + s.region_target;
}

std::string changed_vars(const std::string& before, const std::string& after) {
    auto b = split_vars(before);
    std::string out;
    std::size_t start = 0;
    while (start < after.size()) {
        std::size_t end = after.find(", ", start);
        std::string item = after.substr(start, end == std::string::npos ? std::string::npos : end - start);
        auto eq = item.find('=');
        if (eq != std::string::npos && b[item.substr(0, eq)] != item.substr(eq + 1)) {
            out += (out.empty() ? "" : ", ") + item;
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 2;
    }
    return out;
}

std::string location(const model::SourceRange& r) {
    return r.valid() ? r.to_string() : std::string("<model>");
}

std::string configurations_text(const CheckResult& r) {
    std::string out = fmt::format("{} configuration{}", r.configurations, r.configurations == 1 ? "" : "s");
    if (!r.timing_parameter.empty()) {
        out += fmt::format(" x every value of {} (solved as intervals)", r.timing_parameter);
    }
    return out;
}

std::size_t count(const CheckResult& r, Severity s) {
    return static_cast<std::size_t>(
        std::count_if(r.findings.begin(), r.findings.end(), [&](const Finding& f) { return f.severity == s; }));
}

const Finding& shown(const FindingChange& c) {
    return c.proposal ? *c.proposal : *c.base;
}

std::vector<Citation> Citer::of(const FindingChange& change) const {
    if (change.proposal) {
        return of(*change.proposal);
    }
    return input_.base != nullptr && change.base ? citations(*input_.base, *change.base) : std::vector<Citation>{};
}

const model::Transition* Citer::transition(const model::Model& m, const TraceStep& step) {
    return step.id.index() < m.transition_count() ? &m.transition(step.id) : nullptr;
}

std::string citation_text(const Citation& c) {
    std::string out = fmt::format("{} '{}'", c.element, c.name);
    if (!c.ref.empty()) {
        out += fmt::format(" ({})", c.ref);
    }
    if (!c.description.empty()) {
        out += ": " + c.description;
    }
    return out;
}

std::string escape_markup(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                out += "\xEF\xBF\xBD";
            } else {
                out += c;
            }
        }
    }
    return out;
}

}  // namespace detail

}  // namespace lwm2mc::checker
