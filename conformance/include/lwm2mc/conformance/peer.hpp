// SPDX-License-Identifier: Apache-2.0
#pragma once

// Base of the scriptable in-process LwM2M peers used by the integration tests: a CoapTransport bound to
// 127.0.0.1 on an ephemeral port (or PeerOptions::bind_port), a loop that runs either in its own std::thread
// (start/stop) or is stepped from the test thread (step), and a record of every request received and every request
// sent.

#include "lwm2mc/client/transport_coap.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace lwm2mc::conformance {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// Retransmission parameters of the peer's own requests: as short as libcoap 4.3.1 allows by default
/// (Timeout after 1 s + 2 s).
struct PeerOptions {
    milliseconds ack_timeout{1000};
    unsigned max_retransmit{1};
    milliseconds exchange_timeout{3000};
    /// UDP port on 127.0.0.1; 0 picks a free one. A fixed port lets a test start a server late on the port a
    /// client already targets.
    std::uint16_t bind_port{0};
    /// RFC 7959 block size of the peer's requests (CoapTransportOptions::block_size): below 1024 the peer
    /// writes payloads longer than it in Block1 blocks of this size and asks for Block2 blocks of this size.
    std::size_t block_size{1024};
    /// DTLS-PSK clients the peer accepts (identity and key each; LwM2M Security Mode 0). Not empty: the peer also
    /// listens for DTLS, endpoint() is that secure endpoint (a coaps:// URI), plain_endpoint() the NoSec one.
    std::vector<client::PskCredentials> psk_table{};
};

/// A request the peer received and what it answered (code::kEmpty: only an empty ACK).
struct ReceivedRequest {
    client::Endpoint from{};
    client::Request request{};
    client::Code answer{client::code::kEmpty};
    Clock::time_point at{};
};

/// A request the peer sent and its outcome.
struct Exchange {
    std::string label{};  ///< free text from the script ("finish", "write /0/1"), for messages
    client::Endpoint to{};
    client::Request request{};
    std::optional<client::Response> response{};
    client::SendFailure failure{client::SendFailure::Timeout};  ///< meaningful only without response
    Clock::time_point sent_at{};
    Clock::time_point done_at{};
};

/// "2.04", or the failure name ("timeout") when there was no response.
std::string outcome_string(const Exchange& e);
/// Request with a path given as "/1/0/8" (empty segments dropped; "/" is the empty path).
client::Request make_request(client::Code method, const std::string& path);
std::vector<std::string> split_path(const std::string& path);
/// The value of query parameter `key` ("ep" in "ep=node1"), if present.
std::optional<std::string> query_value(const client::Request& r, const std::string& key);
std::string payload_text(const std::vector<std::uint8_t>& payload);

class Peer {
public:
    explicit Peer(PeerOptions options = {});
    virtual ~Peer();
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;

    /// Where clients reach this peer: 127.0.0.1 and the bound port (the DTLS one with a psk_table).
    client::Endpoint endpoint() const { return endpoint_; }
    /// The peer's NoSec UDP endpoint (the same as endpoint() without a psk_table).
    client::Endpoint plain_endpoint() const { return client::Endpoint{"127.0.0.1", transport_.local_port()}; }

    /// Runs the loop in a thread of its own until stop() or destruction.
    void start();
    void stop();
    /// Runs the loop once on the calling thread (only while not started): due timers, posted work, one poll.
    void step(milliseconds max_wait = milliseconds{10});

    /// Waits (real time) until `done()` holds; steps the loop itself when no thread runs it. `done` is called
    /// on the calling thread and may use the accessors below.
    bool wait_until(const std::function<bool()>& done, milliseconds timeout);

    /// Sends `request` to `to` from the loop thread after `delay`; the future is ready with the outcome.
    std::shared_future<Exchange> send(const client::Endpoint& to, client::Request request,
                                      milliseconds delay = milliseconds{0}, std::string label = {});

    std::vector<ReceivedRequest> received() const;
    std::vector<Exchange> sent() const;

protected:
    /// Serves one request on the loop thread. Return code::kEmpty to acknowledge without answering.
    virtual client::Response handle(const client::Endpoint& from, const client::Request& request) = 0;
    /// A notification (RFC 7641 3.2: a response whose token matches no outstanding request) on the loop thread;
    /// return false to answer it with RST (RFC 7641 3.6). The default acknowledges it.
    virtual bool on_notification(const client::Endpoint& /*from*/, const std::vector<std::uint8_t>& /*token*/,
                                 const client::Response& /*response*/) {
        return true;
    }
    /// Runs `work` on the loop thread once `delay` has passed.
    void post(std::function<void()> work, milliseconds delay = milliseconds{0});
    /// Sends from the loop thread (call only there); `then` runs on the loop thread with the outcome.
    void send_now(const client::Endpoint& to, client::Request request, std::string label,
                  std::function<void(const Exchange&)> then);

    mutable std::mutex mutex_{};  ///< guards the records and the subclasses' scripted state

private:
    struct Timer {
        Clock::time_point due;
        std::function<void()> work;
    };
    void run_once(milliseconds max_wait);
    void loop();

    client::CoapTransport transport_;
    client::Endpoint endpoint_{};
    std::vector<Timer> timers_{};  // guarded by mutex_
    std::vector<ReceivedRequest> received_{};
    std::vector<Exchange> sent_{};
    std::atomic<bool> running_{false};
    std::thread thread_{};
};

/// Transport options for a client under test on loopback: 127.0.0.1, a 1 s ACK timeout without random factor and
/// one retransmission, so that an unanswered request fails within 3 s of real time (libcoap's floor).
client::CoapTransportOptions fast_loopback_client_options();

}  // namespace lwm2mc::conformance
