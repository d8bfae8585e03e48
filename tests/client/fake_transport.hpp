// SPDX-License-Identifier: Apache-2.0
#pragma once

// Test doubles for the engine (Wakaama tests/helper/connection.c): a Transport that records what the client
// sends and lets the test answer, fail or inject requests, and an Observer that records the model steps.

#include "lwm2mc/client/observer.hpp"
#include "lwm2mc/client/transport.hpp"

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace lwm2mc::client::testing {

class FakeTransport final : public Transport {
public:
    struct Sent {
        Endpoint to{};
        Request request{};
        ResponseHandler handler{};
        bool answered{false};
    };

    void set_request_handler(RequestHandler handler) override { handler_ = std::move(handler); }
    void send(const Endpoint& to, Request request, ResponseHandler on_done) override {
        sent.push_back({to, std::move(request), std::move(on_done), false});
    }
    void notify(const Endpoint& to, Notification n, NotifyHandler on_done) override {
        notified.push_back({to, std::move(n), std::move(on_done), false});
    }
    void set_psk(const Endpoint& to, PskCredentials credentials) override {
        psk[to_string(to)] = std::move(credentials);
    }
    void cancel_all() override {
        for (auto& s : sent) {
            if (!s.answered) {
                s.answered = true;
                cancelled.push_back(s.handler);
            }
        }
        for (auto& n : notified) {
            if (!n.done) {
                n.done = true;
                cancelled_notifications.push_back(n.handler);
            }
        }
    }
    void poll(std::chrono::milliseconds) override {
        auto handlers = std::move(cancelled);
        cancelled.clear();
        for (auto& h : handlers) {
            h(std::nullopt, SendFailure::Cancelled);
        }
        auto notes = std::move(cancelled_notifications);
        cancelled_notifications.clear();
        for (auto& h : notes) {
            h(SendFailure::Cancelled);
        }
    }

    /// Completes notification `i` (nullopt: ACK for CON, sent for NON), as poll would.
    void complete_notification(std::size_t i, std::optional<SendFailure> failure = std::nullopt) {
        auto& n = notified.at(i);
        if (n.done) {
            throw std::logic_error("notification already completed");
        }
        n.done = true;
        n.handler(failure);
    }
    /// Completes every notification not completed yet (all ACKed / sent).
    void complete_notifications() {
        for (std::size_t i = 0; i < notified.size(); ++i) {
            if (!notified[i].done) {
                complete_notification(i);
            }
        }
    }

    bool has_handler() const { return static_cast<bool>(handler_); }
    /// The oldest request not answered yet.
    Sent& pending() {
        for (auto& s : sent) {
            if (!s.answered) {
                return s;
            }
        }
        throw std::logic_error("no pending request");
    }
    std::size_t pending_count() const {
        std::size_t n = 0;
        for (const auto& s : sent) {
            n += s.answered ? 0 : 1;
        }
        return n;
    }
    /// Answers the oldest pending request (as poll would deliver the response).
    void answer(Code code, std::vector<std::string> location = {}) {
        auto& s = pending();
        s.answered = true;
        s.handler(Response{code, std::move(location), std::nullopt, {}}, SendFailure::Timeout);
    }
    void fail(SendFailure failure) {
        auto& s = pending();
        s.answered = true;
        s.handler(std::nullopt, failure);
    }
    /// A request from a peer, as the transport would deliver it.
    Response inject(const Endpoint& from, const Request& request) {
        if (!handler_) {
            throw std::logic_error("no request handler installed");
        }
        return handler_(from, request);
    }

    std::vector<Sent> sent{};
    struct Notified {
        Endpoint to{};
        Notification notification{};
        NotifyHandler handler{};
        bool done{false};
    };
    std::vector<Notified> notified{};
    std::map<std::string, PskCredentials> psk{};  ///< set_psk by to_string(Endpoint)

private:
    RequestHandler handler_{};
    std::vector<ResponseHandler> cancelled{};
    std::vector<NotifyHandler> cancelled_notifications{};
};

/// One model step as the observer saw it.
struct Step {
    std::string from;
    std::string event;
    std::string actor;
    std::string to;
    std::map<std::string, std::string> vars;
};

class Recorder final : public Observer {
public:
    void on_start(Millis, std::string_view state) override {
        start_state = state;
        start_vars = vars;
    }
    void on_event(Millis, std::string_view event, std::string_view actor, std::string_view) override {
        event_ = event;
        actor_ = actor;
    }
    void on_variable(Millis, std::string_view name, std::string_view value) override {
        vars[std::string{name}] = value;
    }
    void on_state_change(Millis, std::string_view from, std::string_view to, std::string_view event) override {
        steps.push_back({std::string{from}, std::string{event}, actor_, std::string{to}, vars});
    }
    void on_message(Millis, std::string_view dir, std::string_view text) override {
        messages.push_back(std::string{dir} + " " + std::string{text});
    }
    void on_note(Millis, std::string_view text) override { notes.emplace_back(text); }

    /// "From -event-> To" for every step, in order.
    std::vector<std::string> path() const {
        std::vector<std::string> out;
        for (const auto& s : steps) {
            out.push_back(s.from + " -" + s.event + "-> " + s.to);
        }
        return out;
    }
    std::vector<std::string> events() const {
        std::vector<std::string> out;
        for (const auto& s : steps) {
            out.push_back(s.event);
        }
        return out;
    }

    std::string start_state{};
    std::map<std::string, std::string> start_vars{};
    std::map<std::string, std::string> vars{};
    std::vector<Step> steps{};
    std::vector<std::string> messages{};
    std::vector<std::string> notes{};

private:
    std::string event_{};
    std::string actor_{};
};

}  // namespace lwm2mc::client::testing
