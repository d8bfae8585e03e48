// SPDX-License-Identifier: Apache-2.0
#pragma once

// Scriptable LwM2M Bootstrap-Server (TS 1.0 5.2, transport mapping: lwm2m-lifecycle notes 1.2).
//
//   BootstrapServer bs;
//   bs.set_script({BootstrapServer::delete_all(),
//                  BootstrapServer::write_security(1, "coap://127.0.0.1:" + port, false, 101),
//                  BootstrapServer::write_server(1, 101, 300), BootstrapServer::finish()});
//   bs.start();                       // or bs.step() from the test thread
//   ... client sends POST /bs?ep=node ...
//   bs.wait_until([&] { return bs.script_finished(); }, 2s);
//   EXPECT_EQ(outcome_string(bs.script_results().back()), "2.04");
//
// On POST /bs?ep=... the server answers per set_bs_reply and, when it accepted, runs the script against the
// requester: each step is sent after the previous one completed (response or failure) and the step's own
// delay. start_server_initiated() runs the script without a Bootstrap-Request (1.0 Server-Initiated
// Bootstrap). Omitting finish() models a server that never finishes; a delay on finish() a late one.

#include "lwm2mc/conformance/peer.hpp"
#include "lwm2mc/conformance/tlv_writer.hpp"

namespace lwm2mc::conformance {

struct BootstrapStep {
    client::Request request{};
    milliseconds delay{0};  ///< wait after the previous step completed
    std::string label{};
};

class BootstrapServer final : public Peer {
public:
    enum class Reply : std::uint8_t {
        Accept,  ///< 2.04, then the script
        Reject,  ///< the configured code (4.00, 4.03 ...), no script
        Ignore,  ///< empty ACK and never a response (libcoap cannot leave a CON unacknowledged)
    };
    explicit BootstrapServer(PeerOptions options = {});
    ~BootstrapServer() override;

    /// How to answer Bootstrap-Requests; `delay` blocks the server's loop before answering (the client
    /// retransmits meanwhile when it exceeds its ACK timeout).
    void set_bs_reply(Reply reply, client::Code reject_code = client::code::kForbidden,
                      milliseconds delay = milliseconds{0});
    void set_script(std::vector<BootstrapStep> script);
    /// Runs the script against `client` now (from the loop), without waiting for a Bootstrap-Request.
    void start_server_initiated(const client::Endpoint& client);

    /// Results of the script's steps so far, in order (one Exchange per step).
    std::vector<Exchange> script_results() const;
    /// True once every step of the last script run completed.
    bool script_finished() const;
    /// Bootstrap-Requests received (POST /bs), in order.
    std::vector<ReceivedRequest> bootstrap_requests() const;

    // ---- script steps ----
    /// Resources of a NoSec Security instance: URI, Bootstrap-Server, mode 3, empty keys, and SSID (/0/x/10)
    /// for a server account or ClientHoldOffTime (/0/x/11) for the bootstrap account.
    static std::vector<TlvResource> security_resources(const std::string& server_uri, bool bootstrap_server,
                                                       std::int64_t short_server_id, std::int64_t hold_off_s = 0);
    /// Resources of a Server instance: SSID, lifetime, notification storing false, binding.
    static std::vector<TlvResource> server_resources(std::int64_t short_server_id, std::int64_t lifetime_s,
                                                     const std::string& binding = "U");
    /// Resources of a DTLS-PSK Security instance (Security Mode 0): as security_resources with /0/x/2 = 0,
    /// /0/x/3 the PSK identity and /0/x/5 the key (TS 1.0 E.1).
    static std::vector<TlvResource> security_resources_psk(const std::string& server_uri, bool bootstrap_server,
                                                           std::int64_t short_server_id,
                                                           const std::vector<std::uint8_t>& identity,
                                                           const std::vector<std::uint8_t>& key,
                                                           std::int64_t hold_off_s = 0);
    /// Bootstrap-Write of Security /0/inst as one TLV PUT (content-format 11542).
    static BootstrapStep write_security(std::uint16_t inst, const std::string& server_uri, bool bootstrap_server,
                                        std::int64_t short_server_id, std::int64_t hold_off_s = 0);
    /// Bootstrap-Write of a DTLS-PSK Security /0/inst (security_resources_psk) as one TLV PUT.
    static BootstrapStep write_security_psk(std::uint16_t inst, const std::string& server_uri, bool bootstrap_server,
                                            std::int64_t short_server_id, const std::vector<std::uint8_t>& identity,
                                            const std::vector<std::uint8_t>& key, std::int64_t hold_off_s = 0);
    /// Bootstrap-Write of Server /1/inst as one TLV PUT.
    static BootstrapStep write_server(std::uint16_t inst, std::int64_t short_server_id, std::int64_t lifetime_s,
                                      const std::string& binding = "U");
    /// The same data as one text/plain PUT /obj/inst/res per resource (opaque resources skipped).
    static std::vector<BootstrapStep> text_writes(std::uint16_t object, std::uint16_t inst,
                                                  const std::vector<TlvResource>& resources);
    static BootstrapStep write_tlv(const std::string& path, std::vector<std::uint8_t> tlv);
    static BootstrapStep delete_path(const std::string& path);  ///< "/" deletes everything deletable
    static BootstrapStep delete_all() { return delete_path("/"); }
    static BootstrapStep discover(const std::string& path);             ///< GET with Accept: link-format
    static BootstrapStep read(const std::string& path);                 ///< Bootstrap-Read (1.1)
    static BootstrapStep execute(const std::string& path);              ///< e.g. /1/0/9 Bootstrap-Request Trigger
    static BootstrapStep finish(milliseconds delay = milliseconds{0});  ///< POST /bs
    static BootstrapStep with_delay(BootstrapStep step, milliseconds delay);

protected:
    client::Response handle(const client::Endpoint& from, const client::Request& request) override;

private:
    void run_step(std::size_t index, std::uint64_t run, client::Endpoint client);

    Reply reply_{Reply::Accept};
    client::Code reject_code_{client::code::kForbidden};
    milliseconds reply_delay_{0};
    std::vector<BootstrapStep> script_{};
    std::vector<Exchange> results_{};
    std::uint64_t run_{0};  // a new run (new /bs or server-initiated start) abandons the previous one
    bool finished_{false};
};

}  // namespace lwm2mc::conformance
