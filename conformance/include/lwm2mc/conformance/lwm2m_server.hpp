// SPDX-License-Identifier: Apache-2.0
#pragma once

// Scriptable LwM2M Server: registration interface (TS 1.0 5.3; lwm2m-lifecycle notes 1.5) plus requests to
// registered clients (Read, Write, Execute).
//
//   Lwm2mServer server;
//   server.set_location_style(Lwm2mServer::LocationStyle::SingleOption);   // node-lib's "rd/1"
//   server.script_registers({{Lwm2mServer::Answer::Reject, code::kForbidden}});  // first Register rejected
//   server.start();
//   ... client registers ...
//   server.wait_until([&] { return server.registration("node") != std::nullopt; }, 2s);
//   auto read = server.send_to_client("node", make_request(code::kGet, "/3/0")).get();
//
// Register (POST /rd?ep=...) answers 2.01 with Location-Path "rd","N" (or one option "rd/N"); Update
// (POST /rd/N) 2.04, or 4.04 for an unknown location; De-register (DELETE /rd/N) 2.02. Scripted answers
// replace the next Registers/Updates in order; an Update answered 4.04 forgets the registration.

#include "lwm2mc/conformance/peer.hpp"

#include <deque>
#include <map>

namespace lwm2mc::conformance {

class Lwm2mServer final : public Peer {
public:
    enum class LocationStyle : std::uint8_t {
        TwoOptions,    ///< Location-Path "rd", "N" (RFC 7252 conformant)
        SingleOption,  ///< one Location-Path "rd/N" (lwm2m-node-lib 1.4.0)
    };
    enum class Answer : std::uint8_t {
        Normal,  ///< the regular answer
        Reject,  ///< `code` instead (e.g. 4.03 for Register, 4.04 for Update)
        Ignore,  ///< empty ACK and never a response
    };
    struct Scripted {
        Answer answer{Answer::Normal};
        client::Code code{client::code::kForbidden};
    };
    struct Registration {
        std::string endpoint_name{};
        std::string id{};                             ///< N in /rd/N
        client::Endpoint client{};                    ///< where the Register came from; requests to the client go there
        std::map<std::string, std::string> params{};  ///< lt, lwm2m, b, sms as last registered/updated
        std::string objects{};                        ///< link-format payload as last registered/updated
        unsigned updates{0};
        bool active{true};  ///< false after De-register or a scripted 4.04 on Update
    };

    explicit Lwm2mServer(PeerOptions options = {});
    ~Lwm2mServer() override;

    void set_location_style(LocationStyle style);
    /// Answers for the next Registers, consumed one per Register; then Normal again.
    void script_registers(std::vector<Scripted> answers);
    /// Shorthand: the next `count` Registers get `code` (code::kEmpty: ignored, only an empty ACK).
    void reject_first_registers(unsigned count, client::Code code);
    /// Answers for the next Updates, consumed one per Update.
    void script_updates(std::vector<Scripted> answers);
    /// Answers for every Register / Update / De-register that no script covers (Normal unless set), kept until
    /// set again: a harness can decide the answer just before the client sends the request. A Reject with 4.04
    /// forgets the registration, as a scripted one does.
    void set_register_default(Scripted answer);
    void set_update_default(Scripted answer);
    void set_deregister_default(Scripted answer);

    std::vector<Registration> registrations() const;
    /// The latest active registration of `endpoint_name`.
    std::optional<Registration> registration(const std::string& endpoint_name) const;
    /// Register/Update/De-register requests received, in order (subset of received()).
    std::vector<ReceivedRequest> registration_requests() const;

    /// Sends `request` to the client registered as `endpoint_name` (to the address it registered from).
    /// The future fails with std::runtime_error when no such registration is active.
    std::shared_future<Exchange> send_to_client(const std::string& endpoint_name, client::Request request,
                                                milliseconds delay = milliseconds{0});
    /// Information Reporting (TS 1.0 5.5, RFC 7641). Observe: GET with Observe=0 and the given token (the first
    /// 2.05 carries the Observe option); cancel_observation: GET with Observe=1 and the same token (RFC 7641 3.6).
    std::shared_future<Exchange> observe(const std::string& endpoint_name, const std::string& path,
                                         std::vector<std::uint8_t> token,
                                         std::optional<std::uint16_t> accept = client::content_format::kTextPlain);
    std::shared_future<Exchange>
    cancel_observation(const std::string& endpoint_name, const std::string& path, std::vector<std::uint8_t> token,
                       std::optional<std::uint16_t> accept = client::content_format::kTextPlain);
    /// Write-Attributes (TS 1.0 5.4.4): PUT with the query ("pmin=2") and no payload.
    static client::Request write_attributes(const std::string& path, std::vector<std::string> query);

    /// A notification received (a response to an Observe after the first one).
    struct ReceivedNotification {
        client::Endpoint from{};
        std::vector<std::uint8_t> token{};
        client::Response response{};
        Clock::time_point at{};
        bool acknowledged{true};  ///< false: answered with RST
    };
    std::vector<ReceivedNotification> notifications() const;
    std::vector<ReceivedNotification> notifications(const std::vector<std::uint8_t>& token) const;
    std::size_t notification_count() const;  ///< notifications().size() without copying them
    /// From now on notifications with `token` are answered with RST (the server forgot the observation).
    void reset_notifications(const std::vector<std::uint8_t>& token);

    static client::Request read(const std::string& path);  ///< GET, Accept text/plain
    static client::Request execute(const std::string& path, const std::string& args = {});
    static client::Request write_text(const std::string& path, const std::string& value);

protected:
    client::Response handle(const client::Endpoint& from, const client::Request& request) override;
    bool on_notification(const client::Endpoint& from, const std::vector<std::uint8_t>& token,
                         const client::Response& response) override;

private:
    client::Response on_register(const client::Endpoint& from, const client::Request& request);
    client::Response on_update(const std::string& id, const client::Request& request);
    client::Response on_deregister(const std::string& id);
    std::optional<Scripted> next_scripted(std::deque<Scripted>& queue);

    LocationStyle style_{LocationStyle::TwoOptions};
    std::deque<Scripted> register_script_{};
    std::deque<Scripted> update_script_{};
    Scripted register_default_{};
    Scripted update_default_{};
    Scripted deregister_default_{};
    std::vector<Registration> registrations_{};
    unsigned next_id_{0};
    std::vector<ReceivedNotification> notifications_{};
    std::vector<std::vector<std::uint8_t>> reset_tokens_{};
};

}  // namespace lwm2mc::conformance
