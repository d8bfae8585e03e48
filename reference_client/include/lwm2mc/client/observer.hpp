// SPDX-License-Identifier: Apache-2.0
#pragma once

// What the client does, in the vocabulary of the shipped model (model/specs/lwm2m-ts10-draft.lwm2m):
// state names, event names, actor names and variable names, modelled on sml's logger policy. For every
// model step the engine calls, in this order: on_event, on_variable for each variable the step changed,
// on_state_change (also for self-loops, with from == to). on_variable outside such a bracket is a change
// that no model event covers (e.g. a Bootstrap-Write that does not complete a server account).

#include "lwm2mc/client/clock.hpp"

#include <string_view>
#include <vector>

namespace lwm2mc::client {

class Observer {
public:
    virtual ~Observer() = default;
    /// The engine starts in `state` (the model's initial state Init) at protocol time `t`.
    virtual void on_start(Millis /*t*/, std::string_view /*state*/) {}
    /// A model event fired by `actor` (client, choice, response, server_initiative, bs_initiative, fault,
    /// operator); `details` is free text (the message that caused it).
    virtual void on_event(Millis /*t*/, std::string_view /*event*/, std::string_view /*actor*/,
                          std::string_view /*details*/) {}
    /// A model variable changed; `value` is "true"/"false" or an enum value name ("RegInfoValid").
    virtual void on_variable(Millis /*t*/, std::string_view /*name*/, std::string_view /*value*/) {}
    /// The step of the last on_event ended in `to`.
    virtual void on_state_change(Millis /*t*/, std::string_view /*from*/, std::string_view /*to*/,
                                 std::string_view /*event*/) {}
    /// A CoAP message sent or received ("out"/"in"), one line of text; not part of the model.
    virtual void on_message(Millis /*t*/, std::string_view /*direction*/, std::string_view /*summary*/) {}
    /// Something worth knowing that is not a model step (an error answered, a file that could not be read).
    virtual void on_note(Millis /*t*/, std::string_view /*text*/) {}
};

/// Forwards to several observers (e.g. a trace file and a test recorder).
class ObserverList final : public Observer {
public:
    void add(Observer& o);
    void on_start(Millis t, std::string_view state) override;
    void on_event(Millis t, std::string_view event, std::string_view actor, std::string_view details) override;
    void on_variable(Millis t, std::string_view name, std::string_view value) override;
    void on_state_change(Millis t, std::string_view from, std::string_view to, std::string_view event) override;
    void on_message(Millis t, std::string_view direction, std::string_view summary) override;
    void on_note(Millis t, std::string_view text) override;

private:
    std::vector<Observer*> observers_{};
};

}  // namespace lwm2mc::client
