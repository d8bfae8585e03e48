// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/model/commands.hpp"

#include "lwm2mc/model/monitor.hpp"
#include "lwm2mc/model/printer.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <ostream>
#include <sys/stat.h>
#include <unistd.h>

namespace lwm2mc::model {

namespace {

std::string expr_text(const ExprPtr& e, const char* absent = "") {
    return e ? format_expr(*e) : absent;
}

nlohmann::json location(const SourceRange& r) {
    if (!r.valid()) {
        return nullptr;
    }
    return {{"file", r.file->name()}, {"line", r.line}, {"column", r.col}};
}

}  // namespace

std::string model_to_json(const Model& m) {
    using nlohmann::json;
    json doc;
    doc["name"] = m.name;
    doc["title"] = m.title;
    doc["base"] = m.base_name.empty() ? json(nullptr) : json(m.base_name);
    doc["files"] = m.files;
    json params = json::array();
    for (const auto& p : m.parameters) {
        params.push_back({{"name", p.name},
                          {"type", m.format_type(p.type)},
                          {"doc", p.doc},
                          {"ref", p.ref},
                          {"location", location(p.range)}});
    }
    doc["parameters"] = params;
    json consts = json::array();
    for (const auto& c : m.constants) {
        consts.push_back({{"name", c.name}, {"value", c.value}, {"location", location(c.range)}});
    }
    doc["constants"] = consts;
    json vars = json::array();
    for (const auto& v : m.variables) {
        vars.push_back({{"name", v.name},
                        {"type", m.format_type(v.type)},
                        {"initial", expr_text(v.initial)},
                        {"persistent", v.persistent},
                        {"doc", v.doc},
                        {"ref", v.ref},
                        {"location", location(v.range)}});
    }
    doc["variables"] = vars;
    json constraints = json::array();
    for (const auto& c : m.constraints) {
        constraints.push_back({{"name", c.name},
                               {"expr", expr_text(c.expr)},
                               {"doc", c.doc},
                               {"ref", c.ref},
                               {"location", location(c.range)}});
    }
    doc["constraints"] = constraints;
    json states = json::array();
    for (std::size_t i = 0; i < m.state_count(); ++i) {
        const State& s = m.state(StateId{i});
        states.push_back({{"name", s.name},
                          {"initial", s.initial},
                          {"goal", s.goal},
                          {"final", s.final},
                          {"group", s.group},
                          {"doc", s.doc},
                          {"ref", s.ref},
                          {"location", location(s.range)}});
    }
    doc["states"] = states;
    json events = json::array();
    for (const auto& e : m.events) {
        events.push_back({{"name", e.name},
                          {"actor", qualified_actor_name(e.actor, e.peer)},
                          {"doc", e.doc},
                          {"ref", e.ref},
                          {"location", location(e.range)}});
    }
    doc["events"] = events;
    json transitions = json::array();
    for (std::size_t i = 0; i < m.transition_count(); ++i) {
        const Transition& t = m.transition(TransitionId{i});
        json updates = json::array();
        for (const auto& u : t.updates) {
            updates.push_back(format_update(m, u));
        }
        transitions.push_back({{"name", t.name},
                               {"source", m.state(t.source).name},
                               {"event", m.events[t.event.index()].name},
                               {"target", m.state(t.target).name},
                               {"actor", qualified_actor_name(t.actor, t.peer)},
                               {"guard", t.guard ? json(format_expr(*t.guard)) : json(nullptr)},
                               {"updates", updates},
                               {"duration", t.duration ? json(format_expr(*t.duration)) : json(nullptr)},
                               {"doc", t.doc},
                               {"ref", t.ref},
                               {"row", t.row},
                               {"from_any", t.from_any},
                               {"location", location(t.range)}});
        if (t.region_move) {  // a transition compiled from a region row: the instance's move
            const Region& r = m.regions[t.region_move->region];
            transitions.back()["region_move"] = {{"region", r.name},
                                                 {"from", r.states[static_cast<std::size_t>(t.region_move->from)].name},
                                                 {"to", r.states[static_cast<std::size_t>(t.region_move->to)].name}};
        }
    }
    doc["transitions"] = transitions;
    json regions = json::array();
    for (const auto& r : m.regions) {
        json region_states = json::array();
        for (const auto& s : r.states) {
            region_states.push_back({{"name", s.name},
                                     {"initial", s.initial},
                                     {"goal", s.goal},
                                     {"doc", s.doc},
                                     {"ref", s.ref},
                                     {"location", location(s.range)}});
        }
        regions.push_back({{"name", r.name},
                           {"machine", r.machine},
                           {"variable", m.variables[r.var.index()].name},
                           {"states", region_states},
                           {"doc", r.doc},
                           {"ref", r.ref},
                           {"location", location(r.range)}});
    }
    doc["regions"] = regions;
    json properties = json::array();
    for (const auto& p : m.properties) {
        properties.push_back({{"name", p.name},
                              {"kind", property_kind_name(p.kind)},
                              {"expr", p.expr ? json(format_expr(*p.expr)) : json(nullptr)},
                              {"from", p.from ? json(format_expr(*p.from)) : json(nullptr)},
                              {"to", p.to ? json(format_expr(*p.to)) : json(nullptr)},
                              {"relying_on", p.reliance.to_string()},
                              {"doc", p.doc},
                              {"ref", p.ref},
                              {"location", location(p.range)}});
    }
    // Event properties: kind "event", the pattern as written and its event sets (docs/language.md).
    const auto event_names = [&](const std::vector<EventId>& ids) {
        json names = json::array();
        for (EventId id : ids) {
            names.push_back(m.events[id.index()].name);
        }
        return names;
    };
    for (const auto& p : m.event_properties) {
        properties.push_back({{"name", p.name},
                              {"kind", "event"},
                              {"pattern", format_event_property(m, p)},
                              {"trigger", event_names(p.trigger)},
                              {"scope", event_names(p.scope)},
                              {"allowed", event_names(p.allowed)},
                              {"bound", p.kind == EventPropertyKind::Respond ? json(p.bound) : json(nullptr)},
                              {"doc", p.doc},
                              {"ref", p.ref},
                              {"location", location(p.range)}});
    }
    doc["properties"] = properties;
    json types = json::array();
    for (const auto& e : m.enums) {
        if (e.named) {
            types.push_back({{"name", e.name},
                             {"literals", e.literals},
                             {"doc", e.doc},
                             {"ref", e.ref},
                             {"location", location(e.range)}});
        }
    }
    doc["types"] = types;
    if (m.goal_condition) {
        doc["goal"] = {{"expr", expr_text(m.goal_condition->expr)},
                       {"goal", format_expr(*m.goal())},
                       {"doc", m.goal_condition->doc},
                       {"ref", m.goal_condition->ref},
                       {"location", location(m.goal_condition->range)}};
    } else {
        doc["goal"] = nullptr;
    }
    // strings from model files are validated UTF-8; replace anything else rather than throw
    return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool write_file_atomically(const std::string& path, const std::string& text, std::string& error) {
    namespace fs = std::filesystem;
    fs::path target(path);
    fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    std::string tmp = (dir / ("." + target.filename().string() + ".tmpXXXXXX")).string();
    int fd = ::mkstemp(tmp.data());
    if (fd < 0) {
        error = std::strerror(errno);
        return false;
    }
    const char* data = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        ssize_t n = ::write(fd, data, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            return false;
        }
        data += n;
        left -= static_cast<std::size_t>(n);
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        ::fchmod(fd, st.st_mode & 07777);
    } else {
        // A new file gets the permissions open(2) would give it (mkstemp makes it 0600).
        const mode_t mask = ::umask(0);
        ::umask(mask);
        ::fchmod(fd, static_cast<mode_t>(0666U & ~static_cast<unsigned>(mask)));
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        error = std::strerror(errno);
        ::unlink(tmp.c_str());
        return false;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        error = std::strerror(errno);
        ::unlink(tmp.c_str());
        return false;
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return true;
}

}  // namespace lwm2mc::model
