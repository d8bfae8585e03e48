// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/conformance/peer.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <utility>

namespace lwm2mc::conformance {

using client::Code;
using client::Endpoint;
using client::Request;
using client::Response;

std::string outcome_string(const Exchange& e) {
    return e.response ? client::code_to_string(e.response->code) : client::send_failure_name(e.failure);
}

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const auto end = slash == std::string::npos ? path.size() : slash;
        if (end > start) {
            out.push_back(path.substr(start, end - start));
        }
        if (slash == std::string::npos) {
            break;
        }
        start = slash + 1;
    }
    return out;
}

Request make_request(Code method, const std::string& path) {
    Request r;
    r.method = method;
    r.uri_path = split_path(path);
    return r;
}

std::optional<std::string> query_value(const Request& r, const std::string& key) {
    for (const auto& q : r.uri_query) {
        if (q.size() >= key.size() + 1 && q.compare(0, key.size(), key) == 0 && q[key.size()] == '=') {
            return q.substr(key.size() + 1);
        }
        if (q == key) {
            return std::string{};
        }
    }
    return std::nullopt;
}

std::string payload_text(const std::vector<std::uint8_t>& payload) {
    return {payload.begin(), payload.end()};
}

namespace {
client::CoapTransportOptions transport_options(const PeerOptions& o) {
    client::CoapTransportOptions t;
    t.bind_host = "127.0.0.1";
    t.bind_port = o.bind_port;
    t.ack_timeout = o.ack_timeout;
    t.ack_random_factor = 1.0;
    t.max_retransmit = o.max_retransmit;
    t.exchange_timeout = o.exchange_timeout;
    t.block_size = o.block_size;
    t.dtls_psk_table = o.psk_table;
    return t;
}
}  // namespace

Peer::Peer(PeerOptions options) : transport_(transport_options(options)) {
    endpoint_ = options.psk_table.empty() ? Endpoint{"127.0.0.1", transport_.local_port()}
                                          : Endpoint{"127.0.0.1", transport_.local_dtls_port(), true};
    transport_.set_request_handler([this](const Endpoint& from, const Request& request) {
        Response r = handle(from, request);
        std::lock_guard lock(mutex_);
        received_.push_back(ReceivedRequest{from, request, r.code, Clock::now()});
        return r;
    });
    transport_.set_notification_handler(
        [this](const Endpoint& from, const std::vector<std::uint8_t>& token, const Response& response) {
            return on_notification(from, token, response);
        });
}

Peer::~Peer() {
    stop();
}

void Peer::start() {
    if (running_.exchange(true)) {
        return;
    }
    thread_ = std::thread([this] { loop(); });
}

void Peer::stop() {
    if (!running_.exchange(false)) {
        return;
    }
    if (thread_.joinable()) {
        thread_.join();
    }
}

void Peer::loop() {
    while (running_.load()) {
        run_once(milliseconds{10});
    }
}

void Peer::step(milliseconds max_wait) {
    if (running_.load()) {
        throw std::logic_error("Peer::step while the peer runs its own thread");
    }
    run_once(max_wait);
}

void Peer::run_once(milliseconds max_wait) {
    std::vector<std::function<void()>> due;
    {
        std::lock_guard lock(mutex_);
        const auto now = Clock::now();
        auto split = std::stable_partition(timers_.begin(), timers_.end(), [&](const Timer& t) { return t.due > now; });
        for (auto it = split; it != timers_.end(); ++it) {
            due.push_back(std::move(it->work));
        }
        timers_.erase(split, timers_.end());
        for (const auto& t : timers_) {
            const auto left = std::chrono::ceil<milliseconds>(t.due - now);
            max_wait = std::min(max_wait, std::max(left, milliseconds{1}));
        }
    }
    for (auto& work : due) {
        work();
    }
    transport_.poll(due.empty() ? max_wait : milliseconds{0});
}

bool Peer::wait_until(const std::function<bool()>& done, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
        if (Clock::now() >= deadline) {
            return false;
        }
        if (running_.load()) {
            std::this_thread::sleep_for(milliseconds{5});
        } else {
            run_once(milliseconds{10});
        }
    }
    return true;
}

void Peer::post(std::function<void()> work, milliseconds delay) {
    std::lock_guard lock(mutex_);
    timers_.push_back(Timer{Clock::now() + delay, std::move(work)});
}

void Peer::send_now(const Endpoint& to, Request request, std::string label, std::function<void(const Exchange&)> then) {
    auto exchange = std::make_shared<Exchange>();
    exchange->label = std::move(label);
    exchange->to = to;
    exchange->request = request;
    exchange->sent_at = Clock::now();
    transport_.send(
        to, std::move(request),
        [this, exchange, then = std::move(then)](std::optional<Response> response, client::SendFailure failure) {
            exchange->response = std::move(response);
            exchange->failure = failure;
            exchange->done_at = Clock::now();
            {
                std::lock_guard lock(mutex_);
                sent_.push_back(*exchange);
            }
            if (then) {
                then(*exchange);
            }
        });
}

std::shared_future<Exchange> Peer::send(const Endpoint& to, Request request, milliseconds delay, std::string label) {
    auto promise = std::make_shared<std::promise<Exchange>>();
    std::shared_future<Exchange> future = promise->get_future().share();
    post(
        [this, to, request = std::move(request), label = std::move(label), promise]() mutable {
            send_now(to, std::move(request), std::move(label), [promise](const Exchange& e) { promise->set_value(e); });
        },
        delay);
    return future;
}

std::vector<ReceivedRequest> Peer::received() const {
    std::lock_guard lock(mutex_);
    return received_;
}

std::vector<Exchange> Peer::sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
}

client::CoapTransportOptions fast_loopback_client_options() {
    client::CoapTransportOptions o;
    o.bind_host = "127.0.0.1";
    o.ack_timeout = std::chrono::milliseconds{1000};
    o.ack_random_factor = 1.0;
    o.max_retransmit = 1;
    o.exchange_timeout = std::chrono::milliseconds{3000};
    return o;
}

}  // namespace lwm2mc::conformance
