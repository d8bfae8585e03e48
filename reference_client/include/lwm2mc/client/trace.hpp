// SPDX-License-Identifier: Apache-2.0
#pragma once

// The client's trace as JSON lines, one object per line, flushed per line so that a killed client leaves a
// valid prefix. Lines:
//   {"t_ms":0,"kind":"start","state":"Init","vars":{...}}
//   {"t_ms":1234,"kind":"transition","from":"BsPending","event":"bs_finish","actor":"response","to":"BsFinished",
//    "details":"...","vars":{"has_bs_account":true,"has_server_account":true,"reg_info":"RegInfoNone",
//    "after_factory_reset":false}}
//   {"t_ms":..,"kind":"vars","vars":{...}}           (a change outside a model step)
//   {"t_ms":..,"kind":"message","dir":"out","text":"POST /bs?ep=node1"}
//   {"t_ms":..,"kind":"note","text":"..."}
// "vars" always holds every variable seen so far.

#include "lwm2mc/client/observer.hpp"

#include <map>
#include <ostream>
#include <string>

namespace lwm2mc::client {

class JsonLinesTrace final : public Observer {
public:
    /// `out` must outlive the trace. `with_messages`: also write message and note lines.
    explicit JsonLinesTrace(std::ostream& out, bool with_messages = true);

    void on_start(Millis t, std::string_view state) override;
    void on_event(Millis t, std::string_view event, std::string_view actor, std::string_view details) override;
    void on_variable(Millis t, std::string_view name, std::string_view value) override;
    void on_state_change(Millis t, std::string_view from, std::string_view to, std::string_view event) override;
    void on_message(Millis t, std::string_view direction, std::string_view summary) override;
    void on_note(Millis t, std::string_view text) override;

private:
    void write_line(const std::string& line);
    std::string vars_json() const;

    std::ostream* out_{nullptr};
    bool with_messages_{true};
    bool in_step_{false};
    bool started_{false};  ///< variables reported before on_start go into the start line
    std::string event_{};
    std::string actor_{};
    std::string details_{};
    std::map<std::string, std::string> vars_{};  ///< name -> JSON value text
};

}  // namespace lwm2mc::client
