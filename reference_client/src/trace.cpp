// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/trace.hpp"

#include <nlohmann/json.hpp>

namespace lwm2mc::client {

using nlohmann::json;

void ObserverList::add(Observer& o) {
    observers_.push_back(&o);
}
void ObserverList::on_start(Millis t, std::string_view state) {
    for (auto* o : observers_) {
        o->on_start(t, state);
    }
}
void ObserverList::on_event(Millis t, std::string_view event, std::string_view actor, std::string_view details) {
    for (auto* o : observers_) {
        o->on_event(t, event, actor, details);
    }
}
void ObserverList::on_variable(Millis t, std::string_view name, std::string_view value) {
    for (auto* o : observers_) {
        o->on_variable(t, name, value);
    }
}
void ObserverList::on_state_change(Millis t, std::string_view from, std::string_view to, std::string_view event) {
    for (auto* o : observers_) {
        o->on_state_change(t, from, to, event);
    }
}
void ObserverList::on_message(Millis t, std::string_view direction, std::string_view summary) {
    for (auto* o : observers_) {
        o->on_message(t, direction, summary);
    }
}
void ObserverList::on_note(Millis t, std::string_view text) {
    for (auto* o : observers_) {
        o->on_note(t, text);
    }
}

JsonLinesTrace::JsonLinesTrace(std::ostream& out, bool with_messages) : out_{&out}, with_messages_{with_messages} {}

void JsonLinesTrace::write_line(const std::string& line) {
    *out_ << line << '\n';
    out_->flush();  // a killed client leaves a valid prefix
}

std::string JsonLinesTrace::vars_json() const {
    std::string out = "{";
    for (const auto& [name, value] : vars_) {
        if (out.size() > 1) {
            out += ',';
        }
        out += json(name).dump() + ":" + value;
    }
    return out + "}";
}

namespace {
// Booleans stay JSON booleans, enum values become strings.
std::string value_json(std::string_view value) {
    if (value == "true" || value == "false") {
        return std::string{value};
    }
    return json(std::string{value}).dump();
}
}  // namespace

void JsonLinesTrace::on_start(Millis t, std::string_view state) {
    started_ = true;
    write_line(R"({"t_ms":)" + std::to_string(t.count()) + R"(,"kind":"start","state":)" +
               json(std::string{state}).dump() + R"(,"vars":)" + vars_json() + "}");
}

void JsonLinesTrace::on_event(Millis, std::string_view event, std::string_view actor, std::string_view details) {
    in_step_ = true;
    event_ = event;
    actor_ = actor;
    details_ = details;
}

void JsonLinesTrace::on_variable(Millis t, std::string_view name, std::string_view value) {
    vars_[std::string{name}] = value_json(value);
    if (started_ && !in_step_) {
        write_line(R"({"t_ms":)" + std::to_string(t.count()) + R"(,"kind":"vars","vars":)" + vars_json() + "}");
    }
}

void JsonLinesTrace::on_state_change(Millis t, std::string_view from, std::string_view to, std::string_view event) {
    std::string text = R"({"t_ms":)" + std::to_string(t.count()) + R"(,"kind":"transition","from":)" +
                       json(std::string{from}).dump() + R"(,"event":)" + json(std::string{event}).dump() +
                       R"(,"actor":)" + json(actor_).dump() + R"(,"to":)" + json(std::string{to}).dump();
    if (!details_.empty()) {
        text += R"(,"details":)" + json(details_).dump(-1, ' ', false, json::error_handler_t::replace);
    }
    text += R"(,"vars":)" + vars_json() + "}";
    write_line(text);
    in_step_ = false;
    details_.clear();
}

void JsonLinesTrace::on_message(Millis t, std::string_view direction, std::string_view summary) {
    if (!with_messages_) {
        return;
    }
    write_line(R"({"t_ms":)" + std::to_string(t.count()) + R"(,"kind":"message","dir":)" +
               json(std::string{direction}).dump() + R"(,"text":)" +
               json(std::string{summary}).dump(-1, ' ', false, json::error_handler_t::replace) + "}");
}

void JsonLinesTrace::on_note(Millis t, std::string_view text) {
    if (!with_messages_) {
        return;
    }
    write_line(R"({"t_ms":)" + std::to_string(t.count()) + R"(,"kind":"note","text":)" +
               json(std::string{text}).dump(-1, ' ', false, json::error_handler_t::replace) + "}");
}

}  // namespace lwm2mc::client
