// SPDX-License-Identifier: Apache-2.0
// Suite renderings, all from the same data: JSON (lwm2mc-suite/1, docs/testing.md), Markdown, and
// a GoogleTest source for the reference client.

#include "lwm2mc/testgen/render.hpp"

#include "lwm2mc/model/printer.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sstream>

namespace lwm2mc::testgen {

namespace {

using nlohmann::json;

/// True when the transition's duration depends on a parameter (then its expression is printed).
bool duration_depends_on_parameter(const model::ExprPtr& e) {
    if (!e) {
        return false;
    }
    return e->op == model::Op::Param || duration_depends_on_parameter(e->lhs) ||
           duration_depends_on_parameter(e->rhs) || duration_depends_on_parameter(e->third);
}

json vars_json(const model::Model& m, const model::ProductState& s) {
    json vars = json::object();
    for (std::size_t i = 0; i < s.vars.size(); ++i) {
        vars[m.variables[i].name] = m.format_value(m.variables[i].type, s.vars[i]);
    }
    return vars;
}

/// The fields an edge contributes to a step or an alternative.
json edge_json(const model::Model& m, const ProductGraph& g, std::uint32_t edge) {
    const ProductEdge& e = g.edges[edge];
    const model::Transition& tr = m.transition(e.transition);
    json j;
    j["kind"] = e.stimulus ? "stimulus" : "await";
    j["event"] = m.events[tr.event.index()].name;
    j["actor"] = model::actor_name(tr.actor);
    j["transition"] = tr.name;
    j["transition_id"] = tr.id.value;
    j["from"] = m.state(g.states[e.source].state).name;
    j["to"] = m.state(g.states[e.target].state).name;
    j["vars"] = vars_json(m, g.states[e.target]);
    j["duration_s"] = e.duration;
    if (duration_depends_on_parameter(tr.duration)) {
        j["duration_expr"] = model::format_expr(*tr.duration);
    }
    j["location"] = tr.range.to_string();
    if (!tr.ref.empty()) {
        j["ref"] = tr.ref;
    }
    return j;
}

json step_json(const model::Model& m, const ProductGraph& g, const Step& s);

json alternative_json(const model::Model& m, const ProductGraph& g, const Alternative& a) {
    json j = edge_json(m, g, a.edge);
    j.erase("kind");
    j["unavoidable"] = a.unavoidable;
    j["then"] = json::array();
    for (const Step& s : a.then) {
        j["then"].push_back(step_json(m, g, s));
    }
    j["rejoin"] = a.rejoin ? json(*a.rejoin) : json(nullptr);
    j["reset"] = a.reset;
    return j;
}

json step_json(const model::Model& m, const ProductGraph& g, const Step& s) {
    json j = edge_json(m, g, s.edge);
    if (!s.covers.empty()) {
        j["covers"] = s.covers;
    }
    j["alternatives"] = json::array();
    for (const Alternative& a : s.alternatives) {
        j["alternatives"].push_back(alternative_json(m, g, a));
    }
    return j;
}

json configuration_json(const model::Model& m, const model::Configuration& c) {
    json j = json::object();
    for (std::size_t i = 0; i < m.parameters.size(); ++i) {
        j[m.parameters[i].name] = m.format_value(m.parameters[i].type, c.values[i]);
    }
    return j;
}

std::string criterion_text(const CriterionSpec& c) {
    return c.kind == Criterion::Paths ? "paths:" + c.paths_file : criterion_name(c.kind);
}

json document(const model::Model& m, const SuiteSet& set) {
    json doc;
    doc["format"] = "lwm2mc-suite/1";
    doc["model"] = set.model_name;
    doc["files"] = set.files;
    doc["criterion"] = criterion_text(set.criterion);
    doc["reset_cost"] = set.reset_cost;
    doc["suites"] = json::array();
    for (const Suite& s : set.suites) {
        json js;
        js["class"] = s.class_index;
        js["configuration"] = configuration_json(m, s.configuration);
        js["class_size"] = s.class_size;
        js["class_description"] = s.class_description;
        js["timing_parameters"] = json::array();
        for (model::ParamId p : s.timing_parameters) {
            js["timing_parameters"].push_back(m.parameters[p.index()].name);
        }
        js["deterministic"] = s.deterministic;
        const SuiteStatistics& st = s.statistics;
        js["statistics"] = {{"product_states", st.product_states},
                            {"product_transitions", st.product_transitions},
                            {"targets", st.targets},
                            {"covered", st.covered},
                            {"cases", s.cases.size()},
                            {"steps", st.steps},
                            {"resets", st.resets},
                            {"length", st.length},
                            {"lower_bound", st.lower_bound},
                            {"choice_points", st.choice_points},
                            {"worst_case_length", st.worst_case_length},
                            {"expected_length_bound", st.expected_length_bound}};
        js["not_covered"] = json::array();
        for (const NotCovered& n : s.not_covered) {
            js["not_covered"].push_back({{"target", n.target}, {"reason", n.reason}});
        }
        js["client_dependent"] = json::array();
        for (const NotCovered& n : s.client_dependent) {
            js["client_dependent"].push_back({{"target", n.target}, {"reason", n.reason}});
        }
        js["cases"] = json::array();
        for (const TestCase& c : s.cases) {
            json jc;
            jc["name"] = c.name;
            jc["purpose"] = c.purpose;
            jc["start"] = {{"state", m.state(s.graph.states[0].state).name}, {"vars", vars_json(m, s.graph.states[0])}};
            jc["steps"] = json::array();
            for (const Step& step : c.steps) {
                jc["steps"].push_back(step_json(m, s.graph, step));
            }
            js["cases"].push_back(std::move(jc));
        }
        doc["suites"].push_back(std::move(js));
    }
    return doc;
}

std::string md_escape(std::string text) {
    std::string out;
    for (char c : text) {
        if (c == '|') {
            out += "\\|";
        } else if (c == '\n') {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

std::string render_json(const model::Model& model, const SuiteSet& suites) {
    return document(model, suites).dump() + "\n";
}

std::string render_markdown(const model::Model& m, const SuiteSet& set) {
    std::ostringstream out;
    out << "# Test suite: " << set.model_name << ", criterion `" << criterion_text(set.criterion) << "`\n\n";
    out << "Generated by `lwm2mc generate`. Semantics: docs/testing.md. Stimuli are caused by the tester; "
           "awaited steps are the client's own. Alternatives list what else the model allows there.\n";
    for (const Suite& s : set.suites) {
        const SuiteStatistics& st = s.statistics;
        out << "\n## Class " << s.class_index << ": " << md_escape(s.class_description) << "\n\n";
        out << "Configuration: `" << model::Interpreter(m).format_configuration(s.configuration) << "`\n\n";
        out << fmt::format("| product states | transitions | targets | covered | cases | steps | resets | length | "
                           "lower bound | choice points | worst case | expected (uniform client) |\n"
                           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
                           "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1f} |\n",
                           st.product_states, st.product_transitions, st.targets, st.covered, s.cases.size(), st.steps,
                           st.resets, st.length, st.lower_bound, st.choice_points, st.worst_case_length,
                           st.expected_length_bound);
        out << "\nThe client " << (s.deterministic ? "never chooses" : "chooses in some product states")
            << " in this class.\n";
        if (!s.not_covered.empty()) {
            out << "\nNot covered:\n\n";
            for (const NotCovered& n : s.not_covered) {
                out << "- `" << n.target << "`: " << n.reason << "\n";
            }
        }
        if (!s.client_dependent.empty()) {
            out << "\nCovered only if the client chooses so (" << s.client_dependent.size() << "):\n\n";
            for (const NotCovered& n : s.client_dependent) {
                out << "- `" << n.target << "`: " << n.reason << "\n";
            }
        }
        for (const TestCase& c : s.cases) {
            out << "\n### " << c.name << " (" << md_escape(c.purpose) << ")\n\n";
            out << "| # | step | transition | after | source | ref | alternatives |\n|---:|---|---|---:|---|---|---|\n";
            for (std::size_t i = 0; i < c.steps.size(); ++i) {
                const Step& step = c.steps[i];
                const ProductEdge& e = s.graph.edges[step.edge];
                const model::Transition& tr = m.transition(e.transition);
                std::string alts;
                for (const Alternative& a : step.alternatives) {
                    const model::Transition& at = m.transition(s.graph.edges[a.edge].transition);
                    alts += fmt::format("{}{} {} -> {}: {}", alts.empty() ? "" : "; ",
                                        a.unavoidable ? "client may" : "race:", m.events[at.event.index()].name,
                                        m.state(s.graph.states[s.graph.edges[a.edge].target].state).name,
                                        a.rejoin ? fmt::format("{}{} step(s), then #{}", a.reset ? "reset, " : "",
                                                               a.then.size(), *a.rejoin + 1)
                                                 : std::string("end (inconclusive)"));
                }
                out << fmt::format("| {} | {} `{}` | {} -> {} | {} | {} | {} | {} |\n", i + 1,
                                   e.stimulus ? "do" : "await", m.events[tr.event.index()].name,
                                   m.state(s.graph.states[e.source].state).name,
                                   m.state(s.graph.states[e.target].state).name,
                                   e.duration ? fmt::format("{} s", e.duration) : std::string(), tr.range.to_string(),
                                   md_escape(tr.ref), md_escape(alts));
            }
        }
    }
    return out.str();
}

std::string render_gtest(const model::Model& m, const SuiteSet& set, const std::string& test_suite_name) {
    const std::string text = document(m, set).dump();
    std::ostringstream out;
    out << "// Generated by lwm2mc generate (model " << set.model_name << ", criterion "
        << criterion_text(set.criterion) << "). Do not edit.\n";
    out << "#include \"generated_suite_driver.hpp\"\n\nnamespace {\n";
    out << "constexpr const char* kSuite = R\"lwm2mcsuite(" << text << ")lwm2mcsuite\";\n}  // namespace\n\n";
    for (std::size_t k = 0; k < set.suites.size(); ++k) {
        for (std::size_t c = 0; c < set.suites[k].cases.size(); ++c) {
            out << fmt::format("TEST({}, Class{}Case{}) {{ lwm2mc::generated::run_case(kSuite, {}, {}); }}\n",
                               test_suite_name, set.suites[k].class_index, c + 1, k, c);
        }
    }
    return out.str();
}

}  // namespace lwm2mc::testgen
