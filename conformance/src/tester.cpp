// SPDX-License-Identifier: Apache-2.0
// The live tester and the capture checker (tester.hpp). How a case is played:
//
// - The servers answer on their own threads. When the client's request arrives, the case runner (under its one
//   mutex) hands it to the monitor, moves the plan past the await step it fulfils (or into the alternative it
//   takes), and answers per the plan's next step when that is the answer to this request (reg_created: 2.01,
//   reg_failed: 4.03 to `failures_per_sequence` requests, ...), else like an ordinary server.
// - The runner's own thread performs the plan's commands (Bootstrap-Write, Finish, Execute ...), silences and
//   power cycles, and waits for the client where the plan awaits it. Await steps the wire cannot show (the
//   client's silent steps) pass by themselves; the monitor keeps every hypothesis they allow.
// - Where the plan awaits a step the client takes only when asked (deregister, reg_info_changed,
//   request_bootstrap), the tester asks it the way a server can (the prompt table), and observes.
// - A wait ends at the monitor's deadline (the steps' `after` plus the quiescence slack, in protocol time, at
//   least min_real_wait of real time): silence then is a failure if no hypothesis may wait, else inconclusive.

#include "lwm2mc/conformance/tester.hpp"

#include "lwm2mc/client/codec.hpp"
#include "lwm2mc/client/transport_coap.hpp"
#include "lwm2mc/conformance/bootstrap_server.hpp"
#include "lwm2mc/conformance/peer.hpp"
#include "lwm2mc/conformance/process.hpp"
#include "lwm2mc/conformance/tlv_writer.hpp"
#include "lwm2mc/conformance/wire.hpp"
#include "lwm2mc/model/interpreter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <arpa/inet.h>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <limits>
#include <mutex>
#include <netinet/in.h>
#include <set>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace lwm2mc::conformance {

namespace {

using json = nlohmann::json;
using client::Endpoint;
using client::Request;
using client::Response;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace code = client::code;

// ---- Prompts: client steps a server can ask for (one table; the tester sends these where the plan awaits) ----

struct PromptRow {
    std::string_view event;
    std::string_view what;
    std::string_view ref;
};

// clang-format off
const std::vector<PromptRow>& prompt_table() {
    static const std::vector<PromptRow> rows = {
        {"deregister",        "the LwM2M server executes Disable /1/x/4 (after writing Disable Timeout /1/x/5): De-register, then Register after the timeout", "1.1 object 1 resources 4, 5"},
        {"register_again",    "nothing: a client disabled by /1/x/4 registers again after its Disable Timeout", "1.1 object 1 resource 5"},
        {"reg_info_changed",  "the LwM2M server writes a new Lifetime /1/x/1: the client sends an Update (or a Register)", "TS 5.3.2"},
        {"request_bootstrap", "the LwM2M server executes Bootstrap-Request Trigger /1/x/9", "1.1 object 1 resource 9"},
    };
    return rows;
}
// clang-format on

const PromptRow* prompt_for(std::string_view event) {
    for (const auto& r : prompt_table()) {
        if (r.event == event) {
            return &r;
        }
    }
    return nullptr;
}

std::uint16_t free_udp_port() {
    // A socket without SO_REUSEADDR gets a port no other socket holds (see CoapTransport::exclusive_free_port).
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return 0;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    std::uint16_t port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
        port = ntohs(a.sin_port);
    }
    ::close(fd);
    return port;
}

const json& empty_array() {
    static const json empty = json::array();
    return empty;
}

std::string json_scalar(const json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string step_text(const json& s) {
    return fmt::format("{} --{}--> {}", json_scalar(s.value("from", json{})), json_scalar(s.value("event", json{})),
                       json_scalar(s.value("to", json{})));
}

/// A peer whose answers come from a function (the case runner).
class ScriptedPeer final : public Peer {
public:
    using Handler = std::function<Response(const Endpoint&, const Request&)>;
    explicit ScriptedPeer(Handler h) : handler_(std::move(h)) {}
    ~ScriptedPeer() override { stop(); }
    ScriptedPeer(const ScriptedPeer&) = delete;
    ScriptedPeer& operator=(const ScriptedPeer&) = delete;

protected:
    Response handle(const Endpoint& from, const Request& request) override { return handler_(from, request); }

private:
    Handler handler_;
};

/// One planned step and where it is in the suite ("step 4", "step 4 > alternative 1 > then 0").
struct Planned {
    const json* step;
    std::string where;
};

model::Configuration configuration_of(const model::Interpreter& interp, const json& suite) {
    std::string text;
    const json& c = suite.at("configuration");
    if (c.is_object()) {
        for (const auto& [k, v] : c.items()) {
            text += (text.empty() ? "" : ",") + k + "=" + json_scalar(v);
        }
    } else {
        text = json_scalar(c);
    }
    std::string error;
    auto values = interp.parse_assignment(text, error);
    if (!error.empty()) {
        throw std::invalid_argument("suite configuration '" + text + "': " + error);
    }
    model::Configuration config;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!values[i]) {
            throw std::invalid_argument(fmt::format("suite configuration '{}' does not set parameter '{}'", text,
                                                    interp.model().parameters[i].name));
        }
        config.values.push_back(*values[i]);
    }
    return config;
}

std::string config_text(const json& suite) {
    std::string text;
    const json& c = suite.at("configuration");
    if (!c.is_object()) {
        return json_scalar(c);
    }
    for (const auto& [k, v] : c.items()) {
        text += (text.empty() ? "" : ",") + k + "=" + json_scalar(v);
    }
    return text;
}

// ---- One case ------------------------------------------------------------------------------------------------

class CaseRun {
public:
    CaseRun(const model::Model& model, const WireMap& map, model::Configuration config, const json& suite,
            const json& kase, const TesterOptions& options, std::string dir, std::string suite_name)
        : model_(model), map_(map), config_(std::move(config)), suite_(suite), case_(kase), options_(options),
          dir_(std::move(dir)), monitor_(model, map, config_, options.monitor),
          bs_([this](const Endpoint& f, const Request& r) { return on_request(true, f, r); }),
          server_([this](const Endpoint& f, const Request& r) { return on_request(false, f, r); }) {
        report_.suite = std::move(suite_name);
        report_.name = kase.value("name", std::string{"case"});
        report_.client_output_dir = dir_;
    }

    CaseReport run() {
        const auto started = SteadyClock::now();
        const auto& steps = case_.at("steps");
        for (std::size_t i = 0; i < steps.size(); ++i) {
            plan_.push_back(Planned{&steps[i], fmt::format("step {}", i)});
        }
        report_.steps_planned = steps.size();
        std::filesystem::create_directories(dir_ + "/state");
        if (auto e = wipe_directory(dir_ + "/state")) {
            return error("cannot prepare the state directory: " + *e);
        }
        client_port_ = free_udp_port();
        bs_.start();
        server_.start();
        t0_ = SteadyClock::now();
        monitor_.start(0);
        if (!start_client()) {
            return finish(started);
        }
        loop();
        process_.kill();
        bs_.stop();
        server_.stop();
        if (options_.record) {
            std::lock_guard lock(mutex_);
            std::stable_sort(wire_.begin(), wire_.end(),
                             [](const Datagram& a, const Datagram& b) { return a.t_us < b.t_us; });
            if (auto e = write_pcap(dir_ + "/wire.pcap", wire_)) {
                report_.log.push_back("cannot write the recording: " + *e);
            }
        }
        return finish(started);
    }

    std::vector<model::TransitionId> path() const { return monitor_.path(); }

private:
    // ---- time ----
    std::int64_t now_ms() const {
        const auto real = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0_).count();
        return static_cast<std::int64_t>(real * options_.time_scale);
    }
    milliseconds real(std::int64_t protocol_ms) const {
        return milliseconds{static_cast<std::int64_t>(static_cast<double>(protocol_ms) / options_.time_scale)};
    }

    // ---- the client process ----
    bool start_client() {
        std::map<std::string, std::string> values = options_.values;
        values["bs_uri"] = fmt::format("coap://127.0.0.1:{}", bs_.endpoint().port);
        values["server_uri"] = fmt::format("coap://127.0.0.1:{}", server_.endpoint().port);
        values["endpoint"] = options_.endpoint;
        values["state_dir"] = dir_ + "/state";
        values["port"] = std::to_string(client_port_);
        values["config"] = config_text(suite_);
        values["time_scale"] = fmt::format("{}", options_.time_scale);
        auto argv = expand_command(options_.client_command, values);
        if (auto* e = std::get_if<std::string>(&argv)) {
            throw std::invalid_argument("--client: " + *e);
        }
        ClientProcessOptions po;
        po.stdout_path = dir_ + "/client.out";
        po.stderr_path = dir_ + "/client.err";
        if (auto e = process_.start(std::get<std::vector<std::string>>(argv), po)) {
            std::lock_guard lock(mutex_);
            set_error("the client did not start: " + *e);
            return false;
        }
        client_ = Endpoint{"127.0.0.1", client_port_};
        return true;
    }

    // ---- verdicts ----
    void set_error(std::string reason) {
        if (done_) {
            return;
        }
        done_ = true;
        report_.verdict = Verdict::Error;
        report_.reason = std::move(reason);
        cv_.notify_all();
    }
    void set_inconclusive(std::string reason) {
        if (done_) {
            return;
        }
        done_ = true;
        report_.verdict = Verdict::Inconclusive;
        report_.reason = std::move(reason);
        log(fmt::format("inconclusive: {}", report_.reason));
        cv_.notify_all();
    }
    void set_fail(const Check& c, const std::string& expected) {
        if (done_) {
            return;
        }
        done_ = true;
        report_.verdict = Verdict::Fail;
        report_.reason = c.reason;
        Failure f;
        f.where = plan_.empty() ? "after the last step" : plan_.front().where;
        f.expected = expected;
        f.observed = c.observed;
        f.allowed = c.allowed;
        f.source = c.source;
        f.t_ms = now_ms();
        const std::size_t keep = 12;
        f.exchange.assign(exchanges_.size() > keep ? exchanges_.end() - static_cast<std::ptrdiff_t>(keep)
                                                   : exchanges_.begin(),
                          exchanges_.end());
        report_.failure = std::move(f);
        log(fmt::format("FAIL: {}", c.reason));
        cv_.notify_all();
    }
    void log(std::string line) {
        report_.log.push_back(fmt::format("[{:>10.3f} s] {}", static_cast<double>(now_ms()) / 1000.0, line));
    }
    std::string expected_text() const {
        return plan_.empty() ? std::string{"(the case is complete)"} : step_text(*plan_.front().step);
    }
    CaseReport error(std::string reason) {
        report_.verdict = Verdict::Error;
        report_.reason = std::move(reason);
        return report_;
    }
    CaseReport finish(SteadyClock::time_point started) {
        report_.seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
        return report_;
    }

    // ---- the plan ----
    const json& front() const { return *plan_.front().step; }
    std::string kind(const json& s) const { return s.value("kind", std::string{"await"}); }
    std::optional<model::TransitionId> transition_of(const json& s) const {
        if (s.contains("transition") && s["transition"].is_string()) {
            return model_.find_transition(s["transition"].get<std::string>());
        }
        return std::nullopt;
    }
    const EventRow* row_of(const json& s) const {
        const auto e = model_.find_event(s.value("event", std::string{}));
        return e ? map_.row(*e) : nullptr;
    }
    std::optional<ClientRequest> request_of(const json& s) const {
        const auto t = transition_of(s);
        if (!t || !map_.observable(*t)) {
            return std::nullopt;
        }
        return map_.entry_request(model_.transition(*t).target);
    }
    void pop(const std::string& how) {
        silent_pop_ = false;
        restarting_ = false;
        log(fmt::format("{}: {} {}", plan_.front().where, step_text(front()), how));
        plan_.pop_front();
        ++report_.steps_played;
        cv_.notify_all();
    }
    /// Await steps the wire cannot show pass by themselves.
    void skip_silent() {
        while (!plan_.empty() && kind(front()) == "await" && !request_of(front())) {
            if (prompt_for(front().value("event", std::string{})) != nullptr &&
                prompted_.count(plan_.front().step) == 0) {
                return;  // the runner asks the client first
            }
            assumed_.push_back(plan_.front());
            const bool restarting = restarting_;
            pop("(silent on the wire)");
            silent_pop_ = restarting;
            restarting_ = restarting;
        }
    }
    /// The client sent `r`: move past the await step it fulfils, or into the alternative it takes.
    void advance_on(ClientRequest r) {
        skip_silent();
        if (plan_.empty()) {
            return;
        }
        if (inflight_ != nullptr && plan_.front().step == inflight_) {
            // The command being sent was answered and the client acted on it before the runner learnt the answer.
            std::size_t i = 1;
            while (i < plan_.size() && kind(*plan_[i].step) == "await" && !request_of(*plan_[i].step)) {
                ++i;
            }
            if (i < plan_.size() &&
                ((kind(*plan_[i].step) == "await" && request_of(*plan_[i].step) == r) ||
                 (kind(*plan_[i].step) == "stimulus" && row_of(*plan_[i].step) != nullptr &&
                  row_of(*plan_[i].step)->how == How::Answer && row_of(*plan_[i].step)->answers == r))) {
                pop("(performed; the client acted on it at once)");
                skip_silent();
                if (kind(front()) == "await") {
                    pop(fmt::format("(the client sent {})", client_request_name(r)));
                }
                return;
            }
        }
        const json& s = front();
        if (kind(s) == "await" && request_of(s) == r) {
            assumed_.clear();
            pop(fmt::format("(the client sent {})", client_request_name(r)));
            return;
        }
        if (kind(s) == "stimulus") {
            const auto* row = row_of(s);
            if (row != nullptr && row->how == How::Answer && row->answers == r) {
                assumed_.clear();
                return;  // the request a stimulus put it in the state of (or a resend within its retry sequence)
            }
            const auto from = model_.find_state(s.value("from", std::string{}));
            if (from && map_.entry_request(*from) == r) {
                // The request owed in the state the next stimulus acts in (the Update after Registration Update
                // Trigger, before a planned power cycle): it is held unanswered and the plan goes on from there.
                assumed_.clear();
                return;
            }
        }
        const json& alts = s.contains("alternatives") ? s["alternatives"] : empty_array();
        const auto continues = [](const json& alt) { return alt.contains("rejoin") && !alt["rejoin"].is_null(); };
        for (std::size_t a = 0; a < alts.size(); ++a) {
            if (first_request(alts[a]) != r || !continues(alts[a])) {
                continue;
            }
            const bool direct = request_of(alts[a]) == r;
            take_alternative(alts[a], fmt::format("{} > alternative {}", plan_.front().where, a), r);
            if (!direct && !done_) {
                advance_on(r);  // the alternative's own step is silent: the request fulfils its continuation
            }
            return;
        }
        // A silent step the plan assumed may not have happened: the client may have taken one of its alternatives.
        for (auto it = assumed_.rbegin(); it != assumed_.rend(); ++it) {
            const json& a_step = *it->step;
            const json& a_alts = a_step.contains("alternatives") ? a_step["alternatives"] : empty_array();
            for (std::size_t a = 0; a < a_alts.size(); ++a) {
                if (first_request(a_alts[a]) != r) {
                    continue;
                }
                const bool direct = request_of(a_alts[a]) == r;
                const std::string where = fmt::format("{} > alternative {}", it->where, a);
                assumed_.clear();
                take_alternative(a_alts[a], where, r);
                if (!direct && !done_) {
                    advance_on(r);
                }
                return;
            }
        }
        for (std::size_t a = 0; a < alts.size(); ++a) {
            if (first_request(alts[a]) == r) {
                take_alternative(alts[a], fmt::format("{} > alternative {}", plan_.front().where, a), r);
                return;  // no continuation: inconclusive
            }
        }
        set_inconclusive(fmt::format("the client sent {} where the plan expected {}: a branch the model allows but "
                                     "the case has no continuation for",
                                     client_request_name(r), step_text(s)));
    }
    /// The request an alternative shows first: its own, or (a silent step) the first of its continuation.
    std::optional<ClientRequest> first_request(const json& alt) const {
        if (auto r = request_of(alt)) {
            return r;
        }
        if (!alt.contains("then") || !alt["then"].is_array()) {
            return std::nullopt;
        }
        for (const auto& s : alt["then"]) {
            if (kind(s) != "await") {
                return std::nullopt;
            }
            if (auto r = request_of(s)) {
                return r;
            }
        }
        return std::nullopt;
    }
    void take_alternative(const json& alt, const std::string& where, ClientRequest r) {
        if (!alt.contains("rejoin") || alt["rejoin"].is_null()) {
            set_inconclusive(
                fmt::format("the client took {} ({}) and the case cannot continue from there", where, step_text(alt)));
            return;
        }
        if (alt.value("reset", false)) {
            reset_pending_ = true;  // the runner restarts the client from its factory state, then plays `then`
        }
        ++alternatives_taken_;
        log(fmt::format("{}: the client took {}{}", where, step_text(alt),
                        r == ClientRequest::Other ? std::string{" (assumed: silent on the wire)"}
                                                  : fmt::format(" (sent {})", client_request_name(r))));
        const auto rejoin = alt["rejoin"].get<std::size_t>();
        const auto& steps = case_.at("steps");
        std::deque<Planned> next;
        const json& then = alt.contains("then") ? alt["then"] : empty_array();
        for (std::size_t i = 0; i < then.size(); ++i) {
            next.push_back(Planned{&then[i], fmt::format("{} > then {}", where, i)});
        }
        for (std::size_t i = rejoin; i < steps.size(); ++i) {
            next.push_back(Planned{&steps[i], fmt::format("step {}", i)});
        }
        plan_ = std::move(next);
        cv_.notify_all();
    }

    // ---- the servers ----
    Response on_request(bool from_bs, const Endpoint& from, const Request& request) {
        std::lock_guard lock(mutex_);
        const auto t = now_ms();
        const auto r = classify_client_request(request);
        WireExchange x;
        x.t_us = t * 1000;
        x.done_us = x.t_us;
        x.initiator = Initiator::Client;
        x.client = from;
        x.server = from_bs ? bs_.endpoint() : server_.endpoint();
        x.request = request;
        Response answer;
        if (r == ClientRequest::Other) {
            answer.code = code::kNotFound;
            x.response = answer;
            exchanges_.push_back(describe(x));
            log("unexpected request: " + describe(x));
            return answer;
        }
        client_ = from;
        if (r == ClientRequest::Register) {
            server_instance_ = server_instance_in(request);
        }
        // The Sent event first.
        if (!done_) {
            const auto check = observe_client(adapt(x).front(), t);  // the Sent event, as a capture shows it
            if (!check.ok) {
                exchanges_.push_back(describe(x));
                set_fail(check, expected_text());
            } else if (!deferred_) {
                advance_on(r);  // (a deferred request moves the plan when it is judged, after the command)
            }
        }
        answer = decide_answer(r, request);
        last_answer_ = SteadyClock::now();
        if (answer.code == code::kEmpty) {
            x.outcome = Outcome::Timeout;
            exchanges_.push_back(describe(x) + " (held: empty ACK only)");
            record(x);
            cv_.notify_all();
            return answer;
        }
        x.response = answer;
        x.outcome = Outcome::Answered;
        exchanges_.push_back(describe(x));
        record(x);
        if (!done_) {
            auto answered = adapt(x).back();
            answered.may_resend = !sequence_over_;
            const auto check = observe_client(answered, t);
            if (!check.ok) {
                set_fail(check, expected_text());
            }
        }
        cv_.notify_all();
        return answer;
    }

    static std::optional<std::string> server_instance_in(const Request& request) {
        const std::string text(request.payload.begin(), request.payload.end());
        if (auto links = client::parse_links(text)) {
            for (const auto& l : *links) {
                auto segs = l.target;
                if (segs.rfind("/1/", 0) == 0 && segs.size() > 3 && segs.find('/', 3) == std::string::npos) {
                    return segs.substr(3);
                }
            }
        }
        return std::nullopt;
    }

    Response decide_answer(ClientRequest r, const Request& request) {
        bool success = true;
        sequence_over_ = false;
        bool planned = false;
        if (!done_) {
            skip_silent();
            if (!plan_.empty() && kind(front()) == "stimulus") {
                const auto* row = row_of(front());
                if (row != nullptr && row->how == How::Answer && row->answers == r) {
                    planned = true;
                    success = row->success;
                    if (success) {
                        pop(fmt::format("(answered the {})", client_request_name(r)));
                    } else if (++failures_ >= std::max(1U, options_.failures_per_sequence)) {
                        failures_ = 0;
                        sequence_over_ = true;  // the tester failed a whole sequence: the event happens now
                        pop(fmt::format("(answered the {} with a failure)", client_request_name(r)));
                    } else {
                        log(fmt::format("{} failure answer {} of {}", client_request_name(r), failures_,
                                        options_.failures_per_sequence));
                    }
                }
            }
        }
        Response a;
        switch (r) {
        case ClientRequest::BootstrapRequest:
            a.code = success ? code::kChanged : code::kBadRequest;
            break;
        case ClientRequest::Register:
            if (success) {
                a.code = code::kCreated;
                location_ = std::to_string(++registrations_);
                a.location_path = {"rd", location_};
            } else {
                a.code = code::kForbidden;
            }
            break;
        case ClientRequest::Update:
        case ClientRequest::Deregister: {
            const bool known = request.uri_path.size() == 2 && request.uri_path[1] == location_ && !location_.empty();
            if (!known && success) {
                // TS 5.3.2: an Update or De-register of a registration the server does not hold gets 4.04.
                log(fmt::format("{} to {} is not the client's registration (rd/{}): 4.04", client_request_name(r),
                                client::path_to_string(request.uri_path), location_));
                success = false;
            }
            a.code = success ? (r == ClientRequest::Update ? code::kChanged : code::kDeleted) : code::kNotFound;
            if (!success || r == ClientRequest::Deregister) {
                location_.clear();
            }
            break;
        }
        case ClientRequest::Other:
            a.code = code::kNotFound;
            break;
        }
        if (!planned && !done_ && !plan_.empty() && kind(front()) == "stimulus") {
            const auto from = model_.find_state(front().value("from", std::string{}));
            if (from && map_.entry_request(*from) == r) {
                // The plan acts on the client while this request is outstanding (a power cycle, a command): only
                // an empty ACK, so that it stays where the plan has it.
                log(fmt::format("{} held unanswered (the plan's next step {} acts while it is outstanding)",
                                client_request_name(r), step_text(front())));
                Response hold;
                hold.code = code::kEmpty;
                return hold;
            }
        }
        if (!planned && !done_) {
            log(fmt::format("answered the {} {} like an ordinary server (not a planned step)", client_request_name(r),
                            client::code_to_string(a.code)));
        }
        return a;
    }

    // ---- the runner's thread ----
    struct Command {
        bool from_bs;
        Request request;
    };

    std::vector<Command> commands_for(const json& s) const {
        const std::string event = s.value("event", std::string{});
        const auto* row = row_of(s);
        std::vector<Command> out;
        const std::string server_uri = fmt::format("coap://127.0.0.1:{}", server_.endpoint().port);
        const std::string inst = server_instance_.value_or("0");
        if (row == nullptr) {
            return out;
        }
        switch (row->command) {
        case ServerCommand::Write:  // si_write: an unasked Bootstrap-Write that is not a server account
            out.push_back(
                {true, BootstrapServer::write_tlv("/3/0/13", {0xC8, 0x0D, 0x04, 0x00, 0x00, 0x00, 0x00}).request});
            break;
        case ServerCommand::BootstrapWrite:
            out.push_back({true, BootstrapServer::write_security(10, server_uri, false, 101).request});
            // The Server object with the 1.1 registration retry resources (/1/x/17..20), so that one failed
            // registration sequence is what the tester plays as one failure stimulus: Communication Retry Count
            // failures_per_sequence - 1, no further sequences.
            {
                auto resources = BootstrapServer::server_resources(101, lifetime_s());
                resources.push_back(
                    TlvResource{17, TlvValue::of_int(std::max(1U, options_.failures_per_sequence) - 1)});
                resources.push_back(TlvResource{18, TlvValue::of_int(10)});
                resources.push_back(TlvResource{19, TlvValue::of_int(60)});
                resources.push_back(TlvResource{20, TlvValue::of_int(0)});
                out.push_back({true, BootstrapServer::write_tlv("/1/10", tlv_resources(resources)).request});
            }
            break;
        case ServerCommand::BootstrapDeleteAll:
            out.push_back({true, BootstrapServer::delete_all().request});
            break;
        case ServerCommand::BootstrapFinish:
            out.push_back({true, BootstrapServer::finish().request});
            break;
        case ServerCommand::UpdateTrigger:
            out.push_back({false, BootstrapServer::execute("/1/" + inst + "/8").request});
            break;
        case ServerCommand::BootstrapTrigger:
            out.push_back({false, BootstrapServer::execute("/1/" + inst + "/9").request});
            break;
        case ServerCommand::Reboot:
            out.push_back({false, BootstrapServer::execute("/3/0/4").request});
            break;
        case ServerCommand::FactoryReset:
            out.push_back({false, BootstrapServer::execute("/3/0/5").request});
            break;
        case ServerCommand::Other:
            break;
        }
        return out;
    }

    std::int64_t lifetime_s() const {
        const auto it = options_.values.find("lifetime");
        if (it != options_.values.end()) {
            try {
                return std::stoll(it->second);
            } catch (const std::exception&) {
                return 600;
            }
        }
        return 600;
    }

    /// Keeps the exchange as datagrams for --record (RFC 7252 encodings of the request and its answer; message ids
    /// and tokens are the tester's own, the content is what went over the wire).
    void record(const WireExchange& x) {
        if (!options_.record) {
            return;
        }
        client::CoapHeader h;
        h.type = client::CoapHeader::Type::Confirmable;
        h.message_id = static_cast<std::uint16_t>(++record_mid_);
        h.token = {static_cast<std::uint8_t>(record_mid_ >> 8U), static_cast<std::uint8_t>(record_mid_ & 0xFFU)};
        const Endpoint from = x.initiator == Initiator::Client ? x.client : x.server;
        const Endpoint to = x.initiator == Initiator::Client ? x.server : x.client;
        try {
            wire_.push_back(Datagram{0, real_us(x.t_us), from, to, client::serialize_coap_request(h, x.request)});
            if (x.response) {
                h.type = client::CoapHeader::Type::Acknowledgement;
                wire_.push_back(Datagram{0, std::max(real_us(x.done_us), real_us(x.t_us) + 1), to, from,
                                         client::serialize_coap_response(h, *x.response)});
            }
        } catch (const std::exception&) {
            // a request the encoder cannot represent (an over-long option) is left out of the recording
        }
    }
    std::int64_t real_us(std::int64_t protocol_us) const {
        return static_cast<std::int64_t>(static_cast<double>(protocol_us) / options_.time_scale);
    }

    /// Client events go to the monitor at once; the monitor before each is kept, so that a command whose answer
    /// the runner learns later than a request the client sent after answering it can be put in its place.
    Check observe_client(const WireEvent& ev, std::int64_t t) {
        journal_.push_back(Journal{t, ev, monitor_});
        if (journal_.size() > 64) {
            journal_.pop_front();
        }
        deferred_ = false;
        if (!crossed_.empty()) {
            crossed_.push_back(Journal{t, ev, monitor_});  // keeps the order: judged after the command too
            deferred_ = true;
            return Check{};
        }
        auto check = monitor_.observe(ev, t);
        if (check.ok || ev.kind != WireEvent::Kind::Sent) {
            return check;
        }
        if (judged_in_flight_ > 0) {
            log(fmt::format("the client's {} came while a command was on its way: judged after its answer",
                            client_request_name(ev.request)));
            crossed_.push_back(Journal{t, ev, monitor_});
            deferred_ = true;
            return Check{};
        }
        // The two servers run on their own threads: a request the client sent before it received the latest
        // commands (a timer firing while a Bootstrap-Write is on its way) can reach the tester after them. Judge it
        // before the commands of the last `reorder window`, then those commands again.
        const auto window =
            static_cast<std::int64_t>(static_cast<double>(options_.reorder_window.count()) * options_.time_scale);
        auto first =
            std::find_if(commands_.begin(), commands_.end(), [&](const Journal& j) { return j.t >= t - window; });
        if (first == commands_.end()) {
            return check;
        }
        Monitor m(first->before);
        auto again = m.observe(ev, t);
        for (auto it = first; again.ok && it != commands_.end(); ++it) {
            again = m.observe(it->event, it->t);
        }
        if (!again.ok) {
            return check;
        }
        log(fmt::format("the client's {} crossed the last commands on the wire: judged before them",
                        client_request_name(ev.request)));
        monitor_.~Monitor();
        new (&monitor_) Monitor(m);
        return again;
    }
    /// A command sent at `t`: judged before the client events journalled after `t` (they came after its answer
    /// on the wire when the client answered first), else in the order the runner learnt them.
    Check observe_command(const WireEvent& ev, std::int64_t t) {
        commands_.push_back(Journal{t, ev, monitor_});
        if (commands_.size() > 16) {
            commands_.pop_front();
        }
        auto first_later = std::find_if(journal_.begin(), journal_.end(), [&](const Journal& j) { return j.t > t; });
        if (first_later != journal_.end()) {
            Monitor m(first_later->before);
            auto check = m.observe(ev, t);
            for (auto it = first_later; check.ok && it != journal_.end(); ++it) {
                check = m.observe(it->event, it->t);
            }
            if (check.ok) {
                monitor_.~Monitor();
                new (&monitor_) Monitor(m);
                journal_.clear();
                crossed_.clear();  // judged, after the command
                return check;
            }
        }
        journal_.clear();
        return monitor_.observe(ev, t);
    }
    /// The client events held back while a command was on its way, judged now that its answer is in.
    void judge_crossed() {
        auto crossed = std::move(crossed_);
        crossed_.clear();
        for (const auto& c : crossed) {
            if (done_) {
                return;
            }
            const auto check = monitor_.observe(c.event, c.t);
            if (!check.ok) {
                set_fail(check, expected_text());
                return;
            }
            if (c.event.kind == WireEvent::Kind::Sent) {
                advance_on(c.event.request);
            }
        }
    }

    /// Sends one request to the client and hands the exchange to the monitor (Command events).
    std::optional<client::Response> send(bool from_bs, Request request, bool judge) {
        ScriptedPeer& peer = from_bs ? bs_ : server_;
        Endpoint to;
        {
            std::lock_guard lock(mutex_);
            to = client_;
        }
        const auto t = now_ms();
        if (judge) {
            std::lock_guard lock(mutex_);
            ++judged_in_flight_;
        }
        auto future = peer.send(to, request);
        Exchange e;
        if (future.wait_for(std::chrono::seconds{30}) != std::future_status::ready) {
            std::lock_guard lock(mutex_);
            judged_in_flight_ -= judge ? 1 : 0;
            set_error("the tester's request got no outcome within 30 s");
            return std::nullopt;
        }
        e = future.get();
        std::lock_guard lock(mutex_);
        judged_in_flight_ -= judge ? 1 : 0;
        WireExchange x;
        x.t_us = t * 1000;
        x.done_us = now_ms() * 1000;
        x.initiator = Initiator::Server;
        x.client = to;
        x.server = peer.endpoint();
        x.request = request;
        x.response = e.response;
        x.outcome = e.response ? Outcome::Answered
                               : (e.failure == client::SendFailure::Reset ? Outcome::Reset : Outcome::Timeout);
        exchanges_.push_back(describe(x));
        record(x);
        if (judge && !done_) {
            for (const auto& ev : adapt(x)) {
                const auto check = observe_command(ev, t);
                if (!check.ok) {
                    // Neither order explains both: the client's requests held back came first on the wire (the
                    // client sent them before this answer reached the runner), so theirs is the first divergence.
                    judge_crossed();
                    set_fail(check, expected_text());
                }
            }
        }
        if (judged_in_flight_ == 0 && !crossed_.empty()) {
            judge_crossed();
        }
        return e.response;
    }

    void prompt(const std::string& event) {
        const std::string inst = server_instance_.value_or("0");
        if (event == "deregister") {
            log("prompt: Disable Timeout /1/" + inst + "/5 := 10 s, then Disable /1/" + inst + "/4");
            (void)send(false, BootstrapServer::write_tlv("/1/" + inst + "/5", {0xC1, 0x05, 0x0A}).request, false);
            (void)send(false, BootstrapServer::execute("/1/" + inst + "/4").request, false);
        } else if (event == "reg_info_changed") {
            lifetime_toggle_ = !lifetime_toggle_;
            const auto lt = lifetime_s() + (lifetime_toggle_ ? 60 : 0);
            log(fmt::format("prompt: Lifetime /1/{}/1 := {} s", inst, lt));
            Request w =
                BootstrapServer::write_tlv("/1/" + inst + "/1", {0xC2, 0x01, static_cast<std::uint8_t>(lt >> 8U),
                                                                 static_cast<std::uint8_t>(lt & 0xFF)})
                    .request;
            (void)send(false, w, false);
        } else if (event == "request_bootstrap") {
            log("prompt: Bootstrap-Request Trigger /1/" + inst + "/9");
            (void)send(false, BootstrapServer::execute("/1/" + inst + "/9").request, false);
        }
    }

    void loop() {
        while (true) {
            std::unique_lock lock(mutex_);
            if (!done_) {
                skip_silent();
            }
            if (done_ || plan_.empty()) {
                break;
            }
            if (reset_pending_) {
                reset_pending_ = false;
                log("reset: the client is killed, its state wiped, and it starts from its factory state");
                lock.unlock();
                process_.kill();
                const auto wiped = wipe_directory(dir_ + "/state");
                lock.lock();
                if (wiped) {
                    set_error("cannot wipe the state directory: " + *wiped);
                    break;
                }
                monitor_.start(now_ms());
                journal_.clear();
                commands_.clear();
                crossed_.clear();
                ++resets_;
                restarting_ = true;
                client_port_ = free_udp_port();  // a device back from a power cycle has a new ephemeral port
                lock.unlock();
                start_client();
                continue;
            }
            const json* s = plan_.front().step;
            const std::string k = kind(*s);
            const auto* row = row_of(*s);
            // A request the client owes before the tester acts again: the one of the state the plan acts in (a
            // power cycle while the Update after Registration Update Trigger is outstanding), or the one every
            // hypothesis owes. Acting at once would let a client that never sends it escape when the model also
            // allows a silent branch (a silent request_bootstrap): wait until it comes or every hypothesis is past
            // its bound.
            const auto from = model_.find_state(s->value("from", std::string{}));
            const auto owed = [&] {
                const auto now = now_ms();
                return (from && monitor_.owed_in(*from, now)) || monitor_.owes_request(now);
            };
            if (k == "stimulus" && row != nullptr && row->how != How::Answer && owed_waited_ != s && owed()) {
                const auto t = now_ms();
                auto deadline = monitor_.deadline(t);
                if (deadline == std::numeric_limits<std::int64_t>::max()) {
                    deadline = from ? monitor_.owed_in(*from, t).value_or(t) : t;
                }
                const auto until = SteadyClock::now() + milliseconds{5} +
                                   std::max(real(std::max<std::int64_t>(deadline - t, 0)), options_.min_real_wait);
                while (!done_ && owed() && SteadyClock::now() < until) {
                    cv_.wait_for(lock, milliseconds{20});
                }
                if (done_) {
                    break;
                }
                if (!owed()) {
                    continue;  // the request came: the plan moves on from there
                }
                const auto check = monitor_.silence(now_ms());
                if (!check.ok) {
                    set_fail(check, expected_text());
                    break;
                }
                owed_waited_ = s;  // another hypothesis may wait for ever (a server's initiative): act as planned
                continue;
            }
            if (k == "stimulus" && row != nullptr && row->how == How::Command) {
                if (silent_pop_) {
                    // The plan only assumes the client's silent steps: give it the time to show another branch
                    // (a restart that Registers instead of keeping its registration) before acting on it.
                    silent_pop_ = false;
                    cv_.wait_for(lock, options_.settle,
                                 [&] { return done_ || plan_.empty() || plan_.front().step != s; });
                    continue;
                }
                // Let the answer just given reach the client before a command from another server overtakes it.
                const auto gap_until = last_answer_ + options_.command_gap;
                if (SteadyClock::now() < gap_until) {
                    cv_.wait_until(lock, gap_until, [&] { return done_; });
                    continue;
                }
                const auto cmds = commands_for(*s);
                inflight_ = s;
                lock.unlock();
                for (const auto& c : cmds) {
                    (void)send(c.from_bs, c.request, true);
                }
                lock.lock();
                inflight_ = nullptr;
                if (!done_ && !plan_.empty() && plan_.front().step == s) {
                    pop("(performed)");
                    restarting_ = row->command == ServerCommand::Reboot || row->command == ServerCommand::FactoryReset;
                }
                continue;
            }
            if (k == "stimulus" && row != nullptr && row->how == How::Silence) {
                const auto d = static_cast<std::int64_t>(s->value("duration_s", 0.0) * 1000.0);
                log(fmt::format("{}: the servers stay silent for {} s", plan_.front().where,
                                static_cast<double>(d) / 1000.0));
                const auto until = SteadyClock::now() + real(d) + real(options_.monitor.early_ms);
                cv_.wait_until(lock, until, [&] { return done_ || plan_.empty() || plan_.front().step != s; });
                if (!done_ && !plan_.empty() && plan_.front().step == s) {
                    pop("(silence kept)");
                }
                continue;
            }
            if (k == "stimulus" && row != nullptr && row->how == How::PowerCycle) {
                lock.unlock();
                process_.kill();
                lock.lock();
                judge_crossed();
                commands_.clear();
                journal_.clear();
                if (done_) {
                    break;
                }
                const auto check = monitor_.power_cycle(now_ms());
                if (!check.ok) {
                    set_fail(check, expected_text());
                    break;
                }
                ++power_cycles_;
                pop("(client killed and started again)");
                restarting_ = true;
                client_port_ = free_udp_port();  // a device back from a power cycle has a new ephemeral port
                lock.unlock();
                start_client();
                continue;
            }
            if (k == "stimulus" && (row == nullptr || row->how == How::NotDrivable)) {
                set_error(fmt::format("{}: the tester cannot produce '{}' (generate the suite with --exclude-events)",
                                      plan_.front().where, s->value("event", std::string{})));
                break;
            }
            // An await step the client shows on the wire, or an answer the servers give when it comes: wait.
            if (k == "await" && prompt_for(s->value("event", std::string{})) != nullptr && silent_pop_) {
                silent_pop_ = false;  // as before a command: let a restart show its branch first
                cv_.wait_for(lock, options_.settle, [&] { return done_ || plan_.empty() || plan_.front().step != s; });
                continue;
            }
            if (k == "await" && prompted_.insert(s).second) {
                if (const auto* p = prompt_for(s->value("event", std::string{}))) {
                    (void)p;
                    const std::string event = s->value("event", std::string{});
                    lock.unlock();
                    prompt(event);
                    lock.lock();
                    if (!done_ && !plan_.empty() && plan_.front().step == s && !request_of(*s)) {
                        assumed_.push_back(plan_.front());
                        pop("(prompted; silent on the wire)");
                    }
                    continue;
                }
            }
            const auto t = now_ms();
            const auto planned_bound =
                static_cast<std::int64_t>(s->value("duration_s", 0.0) * 1000.0) + options_.monitor.quiescence_ms;
            const auto monitor_bound = monitor_.deadline(t);
            // The client must act by the monitor's deadline; where it may wait (an optional step such as an Update
            // before its lifetime ends), the tester waits up to its patience for the planned step.
            const auto bound = monitor_bound == std::numeric_limits<std::int64_t>::max()
                                   ? std::max(planned_bound, options_.patience_ms)
                                   : std::max<std::int64_t>(monitor_bound - t, 0);
            const auto wait = std::max(real(bound), options_.min_real_wait);
            const auto until = SteadyClock::now() + wait;
            while (!done_ && !plan_.empty() && plan_.front().step == s && SteadyClock::now() < until) {
                cv_.wait_for(lock, milliseconds{50});
                if (!process_alive_locked(lock)) {
                    break;
                }
            }
            if (done_ || plan_.empty() || plan_.front().step != s) {
                continue;
            }
            const auto check = monitor_.silence(now_ms());
            if (!check.ok) {
                set_fail(check, expected_text());
            } else if (const auto alt = silent_alternative(*s)) {
                // The client shows nothing where the plan expected a request: it may have taken a branch that is
                // silent on the wire. Assume it (the monitor keeps every hypothesis, and judges what follows).
                take_alternative((*s)["alternatives"][*alt],
                                 fmt::format("{} > alternative {}", plan_.front().where, *alt), ClientRequest::Other);
                continue;
            } else {
                set_inconclusive(fmt::format("the client did not take the planned step {} ({}) within {:.3f} s of "
                                             "protocol time; the model lets it wait there",
                                             step_text(*s), plan_.front().where, static_cast<double>(bound) / 1000.0));
            }
            break;
        }
    }

    std::optional<std::size_t> silent_alternative(const json& s) const {
        if (!s.contains("alternatives") || !request_of(s)) {
            return std::nullopt;
        }
        const auto& alts = s["alternatives"];
        for (std::size_t a = 0; a < alts.size(); ++a) {
            const auto t = transition_of(alts[a]);
            if (t && map_.silent(*t) && !alts[a].value("reset", false) && alts[a].contains("rejoin") &&
                !alts[a]["rejoin"].is_null()) {
                return a;
            }
        }
        return std::nullopt;
    }

    /// False (with the verdict set) when the client process has ended by itself.
    bool process_alive_locked(std::unique_lock<std::mutex>& lock) {
        lock.unlock();
        const bool alive = process_.running();
        lock.lock();
        if (!alive && !done_) {
            const auto status = process_.exit_status();
            Check c;
            c.ok = false;
            c.observed = fmt::format("the client process ended (status {})", status ? *status : -1);
            c.reason = c.observed + " while the case still expected it to run";
            c.allowed = monitor_.describe();
            set_fail(c, expected_text());
        }
        return alive;
    }

    const model::Model& model_;
    const WireMap& map_;
    model::Configuration config_;
    const json& suite_;
    const json& case_;
    const TesterOptions& options_;
    std::string dir_;
    Monitor monitor_;
    ScriptedPeer bs_;
    ScriptedPeer server_;
    ClientProcess process_{};
    std::mutex mutex_{};
    std::condition_variable cv_{};
    std::deque<Planned> plan_{};
    CaseReport report_{};
    std::vector<std::string> exchanges_{};
    SteadyClock::time_point t0_{};
    Endpoint client_{};
    std::uint16_t client_port_{0};
    std::optional<std::string> server_instance_{};
    std::string location_{};
    unsigned registrations_{0};
    unsigned failures_{0};
    unsigned alternatives_taken_{0};
    unsigned power_cycles_{0};
    unsigned resets_{0};
    bool lifetime_toggle_{false};
    bool silent_pop_{false};  ///< the plan assumed silent steps of a client that is restarting
    bool restarting_{false};  ///< a power cycle, reboot, factory reset or reset happened; nothing seen since
    bool reset_pending_{false};
    bool sequence_over_{false};
    SteadyClock::time_point last_answer_{};
    std::vector<Datagram> wire_{};
    unsigned record_mid_{0};
    std::set<const json*> prompted_{};
    std::vector<Planned> assumed_{};  ///< silent steps assumed since the client's last request
    struct Journal {
        std::int64_t t;
        WireEvent event;
        Monitor before;
    };
    std::deque<Journal> journal_{};
    std::deque<Journal> commands_{};  ///< the monitor before each recent command, for requests that crossed them
    /// Client events that came while a judged command was on its way and that the monitor refused before that
    /// command's answer: judged after it (the client answered the command, then sent these; the runner learns the
    /// answer later than the server thread learns the request).
    std::vector<Journal> crossed_{};
    int judged_in_flight_{0};
    bool deferred_{false};              ///< the last client event went to crossed_
    const json* owed_waited_{nullptr};  ///< the step before which the owed request was already awaited
    const json* inflight_{nullptr};
    bool done_{false};
};

std::string transition_name(const model::Model& m, model::TransitionId t) {
    return m.transition(t).name;
}

void add_coverage(RunReport& report, const model::Model& m, const std::vector<model::TransitionId>& path) {
    for (const auto t : path) {
        ++report.exercised[transition_name(m, t)];
    }
}

void finish_coverage(RunReport& report, const model::Model& m) {
    for (std::size_t i = 0; i < m.transition_count(); ++i) {
        const auto name = transition_name(m, model::TransitionId{static_cast<std::uint32_t>(i)});
        if (!report.exercised.contains(name)) {
            report.never_fired.push_back(name);
        }
    }
}

}  // namespace

RunReport run_suite(const model::Model& model, const json& doc, const TesterOptions& options) {
    if (!doc.is_object() || doc.value("format", std::string{}) != "lwm2mc-suite/1" || !doc.contains("suites") ||
        !doc["suites"].is_array()) {
        throw std::invalid_argument("not a lwm2mc-suite/1 document (make one with `lwm2mc generate`)");
    }
    if (options.time_scale <= 0.0) {
        throw std::invalid_argument("time scale must be positive");
    }
    {
        std::map<std::string, std::string> probe = options.values;
        for (const char* k : {"bs_uri", "server_uri", "endpoint", "state_dir", "port", "config", "time_scale"}) {
            probe[k] = "x";
        }
        auto argv = expand_command(options.client_command, probe);
        if (auto* e = std::get_if<std::string>(&argv)) {
            throw std::invalid_argument("--client: " + *e);
        }
    }
    const auto run_started = SteadyClock::now();
    RunReport report;
    report.model = model.name;
    report.mode = "suite";
    report.client = options.client_command;
    const WireMap map(model);
    for (const auto& n : map.notes()) {
        report.notes.push_back(n);
    }
    const model::Interpreter interp(model);
    const auto& suites = doc["suites"];
    for (std::size_t k = 0; k < suites.size(); ++k) {
        if (!options.classes.empty() &&
            std::find(options.classes.begin(), options.classes.end(), k + 1) == options.classes.end()) {
            continue;
        }
        const json& suite = suites[k];
        const auto config = configuration_of(interp, suite);
        const std::string suite_name = fmt::format("class {}: {}", k + 1, config_text(suite));
        const auto& cases = suite.at("cases");
        for (std::size_t c = 0; c < cases.size(); ++c) {
            if (!options.cases.empty() &&
                std::find(options.cases.begin(), options.cases.end(), c + 1) == options.cases.end()) {
                continue;
            }
            const std::string dir = fmt::format("{}/class-{}-case-{}", options.work_dir, k + 1, c + 1);
            std::filesystem::create_directories(dir);
            CaseRun run(model, map, config, suite, cases[c], options, dir, suite_name);
            auto result = run.run();
            result.name = fmt::format("case {}", c + 1);
            add_coverage(report, model, run.path());
            report.cases.push_back(std::move(result));
        }
    }
    finish_coverage(report, model);
    report.seconds = std::chrono::duration<double>(SteadyClock::now() - run_started).count();
    return report;
}

RunReport check_capture(const model::Model& model, const std::string& config_text_in, const CaptureResult& capture,
                        const std::string& capture_file, const MonitorOptions& options, double time_scale) {
    const model::Interpreter interp(model);
    std::string error;
    auto values = interp.parse_assignment(config_text_in, error);
    if (!error.empty()) {
        throw std::invalid_argument("--config: " + error);
    }
    model::Configuration config;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!values[i]) {
            throw std::invalid_argument(fmt::format("--config does not set parameter '{}' (every parameter is needed)",
                                                    model.parameters[i].name));
        }
        config.values.push_back(*values[i]);
    }
    if (!interp.satisfies_constraints(config)) {
        throw std::invalid_argument("--config violates the model's constraints");
    }
    const auto started = SteadyClock::now();
    RunReport report;
    report.model = model.name;
    report.mode = "capture";
    report.input = capture_file;
    const WireMap map(model);
    CaseReport kase;
    kase.suite = capture_file;
    kase.name = capture.endpoint_name ? "endpoint " + *capture.endpoint_name : "capture";
    for (const auto& n : capture.notes) {
        report.notes.push_back(n);
    }
    for (const auto& s : capture.skipped) {
        report.notes.push_back(fmt::format("packet {} skipped: {}", s.packet, s.reason));
    }
    if (capture.error) {
        kase.verdict = Verdict::Error;
        kase.reason = *capture.error;
        report.cases.push_back(std::move(kase));
        return report;
    }
    if (capture.exchanges.empty()) {
        kase.verdict = Verdict::Inconclusive;
        kase.reason = "the capture holds no exchange of an LwM2M client (no Bootstrap-Request or Register)";
        report.cases.push_back(std::move(kase));
        return report;
    }
    // Every event of every exchange, in time order (an answer comes at done_us, after later requests perhaps).
    struct Item {
        WireEvent ev;
        std::size_t exchange;
        std::size_t order;
    };
    std::vector<Item> items;
    for (std::size_t i = 0; i < capture.exchanges.size(); ++i) {
        const auto& x = capture.exchanges[i];
        for (auto& ev : adapt(x)) {
            if (ev.kind == WireEvent::Kind::Answered && x.outcome == Outcome::Timeout) {
                // An unanswered request whose client moved on before the timeout (it sent another lifecycle
                // request, or was restarted) tells nothing: the timeout is not what the client reacted to.
                const bool moved_on =
                    std::any_of(capture.exchanges.begin(), capture.exchanges.end(), [&](const auto& y) {
                        return &y != &x && y.initiator == Initiator::Client && y.t_us > x.t_us && y.t_us < x.done_us &&
                               classify_client_request(y.request) != ClientRequest::Other;
                    });
                if (moved_on) {
                    continue;
                }
            }
            items.push_back(Item{std::move(ev), i, items.size()});
        }
    }
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        return a.ev.t_us != b.ev.t_us ? a.ev.t_us < b.ev.t_us : a.order < b.order;
    });
    const std::int64_t base_us = capture.exchanges.front().t_us;
    std::optional<Monitor> monitor(std::in_place, model, map, config, options);
    monitor->start(0);
    client::Endpoint last_client = capture.exchanges.front().client;
    std::vector<std::string> recent;
    for (const auto& item : items) {
        const auto& x = capture.exchanges[item.exchange];
        const auto t = static_cast<std::int64_t>(static_cast<double>(item.ev.t_us - base_us) / 1000.0 * time_scale);
        const std::string packets =
            x.packets.empty() ? std::string{} : fmt::format(" [packets {}]", fmt::join(x.packets, ","));
        recent.push_back(item.ev.text + packets);
        kase.log.push_back(fmt::format("[{:>10.3f} s] {}{}", static_cast<double>(t) / 1000.0, item.ev.text, packets));
        ++kase.steps_played;
        const bool new_port = item.ev.kind == WireEvent::Kind::Sent && !(x.client == last_client);
        Check check;
        if (!new_port) {
            check = monitor->silence(t);
            if (check.ok) {
                check = monitor->observe(item.ev, t);
            }
        } else {
            std::optional<Monitor> as_is(std::in_place, *monitor);
            check = as_is->silence(t);
            if (check.ok) {
                check = as_is->observe(item.ev, t);
            }
            if (!check.ok) {
                // A client that comes back on a new port may have been power cycled meanwhile (invisible on the
                // wire).
                Monitor cycled(*monitor);
                if (cycled.power_cycle(t).ok) {
                    auto again = cycled.observe(item.ev, t);
                    if (again.ok) {
                        kase.log.push_back(fmt::format("[{:>10.3f} s] the client now uses {} (was {}): restarted",
                                                       static_cast<double>(t) / 1000.0, client::to_string(x.client),
                                                       client::to_string(last_client)));
                        check = again;
                        as_is.reset();
                        as_is.emplace(cycled);
                    }
                }
            }
            monitor.reset();
            monitor.emplace(*as_is);
        }
        if (item.ev.kind == WireEvent::Kind::Sent) {
            last_client = x.client;
        }
        if (!check.ok) {
            kase.verdict = Verdict::Fail;
            kase.reason = check.reason;
            Failure f;
            f.where = x.packets.empty() ? fmt::format("exchange {}", item.exchange + 1)
                                        : fmt::format("packet {}", x.packets.front());
            f.expected = "a step the model allows";
            f.observed = check.observed;
            f.allowed = check.allowed;
            f.source = check.source;
            f.t_ms = t;
            f.exchange.assign(recent.size() > 12 ? recent.end() - 12 : recent.begin(), recent.end());
            kase.failure = std::move(f);
            break;
        }
    }
    kase.steps_planned = items.size();
    add_coverage(report, model, monitor->path());
    finish_coverage(report, model);
    kase.seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
    report.seconds = kase.seconds;
    report.cases.push_back(std::move(kase));
    return report;
}

}  // namespace lwm2mc::conformance
