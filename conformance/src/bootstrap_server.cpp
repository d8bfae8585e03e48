// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/conformance/bootstrap_server.hpp"

#include <thread>
#include <utility>

namespace lwm2mc::conformance {

using client::Code;
using client::Endpoint;
using client::Request;
using client::Response;
namespace code = client::code;
namespace content_format = client::content_format;

BootstrapServer::BootstrapServer(PeerOptions options) : Peer(options) {}

// The loop thread calls handle(); stop it before this object's members go away.
BootstrapServer::~BootstrapServer() {
    stop();
}

void BootstrapServer::set_bs_reply(Reply reply, Code reject_code, milliseconds delay) {
    std::lock_guard lock(mutex_);
    reply_ = reply;
    reject_code_ = reject_code;
    reply_delay_ = delay;
}

void BootstrapServer::set_script(std::vector<BootstrapStep> script) {
    std::lock_guard lock(mutex_);
    script_ = std::move(script);
}

void BootstrapServer::start_server_initiated(const Endpoint& client) {
    std::uint64_t run = 0;
    {
        std::lock_guard lock(mutex_);
        run = ++run_;
        results_.clear();
        finished_ = false;
    }
    post([this, run, client] { run_step(0, run, client); });
}

std::vector<Exchange> BootstrapServer::script_results() const {
    std::lock_guard lock(mutex_);
    return results_;
}

bool BootstrapServer::script_finished() const {
    std::lock_guard lock(mutex_);
    return finished_;
}

std::vector<ReceivedRequest> BootstrapServer::bootstrap_requests() const {
    std::vector<ReceivedRequest> out;
    for (auto& r : received()) {
        if (r.request.method == code::kPost && r.request.uri_path == std::vector<std::string>{"bs"}) {
            out.push_back(std::move(r));
        }
    }
    return out;
}

void BootstrapServer::run_step(std::size_t index, std::uint64_t run, Endpoint client) {
    BootstrapStep step;
    {
        std::lock_guard lock(mutex_);
        if (run != run_) {
            return;
        }
        if (index >= script_.size()) {
            finished_ = true;
            return;
        }
        step = script_[index];
    }
    post(
        [this, index, run, client, step] {
            send_now(client, step.request, step.label, [this, index, run, client](const Exchange& e) {
                {
                    std::lock_guard lock(mutex_);
                    if (run != run_) {
                        return;
                    }
                    results_.push_back(e);
                }
                run_step(index + 1, run, client);
            });
        },
        step.delay);
}

Response BootstrapServer::handle(const Endpoint& from, const Request& request) {
    const bool is_bs_request = request.method == code::kPost && request.uri_path == std::vector<std::string>{"bs"};
    if (!is_bs_request) {
        return Response{code::kNotFound, {}, std::nullopt, {}};
    }
    if (!query_value(request, "ep") || query_value(request, "ep")->empty()) {
        return Response{code::kBadRequest, {}, std::nullopt, {}};  // TS 1.0: ep is mandatory
    }
    Reply reply = Reply::Accept;
    Code reject = code::kForbidden;
    milliseconds delay{0};
    {
        std::lock_guard lock(mutex_);
        reply = reply_;
        reject = reject_code_;
        delay = reply_delay_;
    }
    if (delay.count() > 0) {
        std::this_thread::sleep_for(delay);
    }
    switch (reply) {
    case Reply::Reject:
        return Response{reject, {}, std::nullopt, {}};
    case Reply::Ignore:
        return Response{code::kEmpty, {}, std::nullopt, {}};
    case Reply::Accept:
        break;
    }
    std::uint64_t run = 0;
    {
        std::lock_guard lock(mutex_);
        run = ++run_;
        results_.clear();
        finished_ = false;
    }
    // Posted: the 2.04 leaves before the first bootstrap command.
    post([this, run, from] { run_step(0, run, from); });
    return Response{code::kChanged, {}, std::nullopt, {}};
}

// ---- steps ----

BootstrapStep BootstrapServer::write_tlv(const std::string& path, std::vector<std::uint8_t> tlv) {
    Request r = make_request(code::kPut, path);
    r.content_format = content_format::kLwm2mTlv;
    r.payload = std::move(tlv);
    return BootstrapStep{std::move(r), milliseconds{0}, "write " + path};
}

std::vector<BootstrapStep> BootstrapServer::text_writes(std::uint16_t object, std::uint16_t inst,
                                                        const std::vector<TlvResource>& resources) {
    std::vector<BootstrapStep> out;
    for (const auto& res : resources) {
        if (res.value.kind == TlvValue::Kind::Opaque) {
            continue;
        }
        const std::string path =
            "/" + std::to_string(object) + "/" + std::to_string(inst) + "/" + std::to_string(res.id);
        Request r = make_request(code::kPut, path);
        r.content_format = content_format::kTextPlain;
        const std::string text = text_value(res.value);
        r.payload.assign(text.begin(), text.end());
        out.push_back(BootstrapStep{std::move(r), milliseconds{0}, "write " + path});
    }
    return out;
}

std::vector<TlvResource> BootstrapServer::security_resources(const std::string& server_uri, bool bootstrap_server,
                                                             std::int64_t short_server_id, std::int64_t hold_off_s) {
    std::vector<TlvResource> res;
    res.push_back(TlvResource{0, TlvValue::of_string(server_uri)});
    res.push_back(TlvResource{1, TlvValue::of_bool(bootstrap_server)});
    res.push_back(TlvResource{2, TlvValue::of_int(3)});  // Security Mode: NoSec
    for (std::uint16_t id = 3; id <= 5; ++id) {          // keys: empty for NoSec
        res.push_back(TlvResource{id, TlvValue::of_opaque({})});
    }
    if (bootstrap_server) {
        res.push_back(TlvResource{11, TlvValue::of_int(hold_off_s)});
    } else {
        res.push_back(TlvResource{10, TlvValue::of_int(short_server_id)});
    }
    return res;
}

std::vector<TlvResource> BootstrapServer::server_resources(std::int64_t short_server_id, std::int64_t lifetime_s,
                                                           const std::string& binding) {
    std::vector<TlvResource> res;
    res.push_back(TlvResource{0, TlvValue::of_int(short_server_id)});
    res.push_back(TlvResource{1, TlvValue::of_int(lifetime_s)});
    res.push_back(TlvResource{6, TlvValue::of_bool(false)});
    res.push_back(TlvResource{7, TlvValue::of_string(binding)});
    return res;
}

BootstrapStep BootstrapServer::write_security(std::uint16_t inst, const std::string& server_uri, bool bootstrap_server,
                                              std::int64_t short_server_id, std::int64_t hold_off_s) {
    return write_tlv("/0/" + std::to_string(inst),
                     tlv_resources(security_resources(server_uri, bootstrap_server, short_server_id, hold_off_s)));
}

std::vector<TlvResource> BootstrapServer::security_resources_psk(const std::string& server_uri, bool bootstrap_server,
                                                                 std::int64_t short_server_id,
                                                                 const std::vector<std::uint8_t>& identity,
                                                                 const std::vector<std::uint8_t>& key,
                                                                 std::int64_t hold_off_s) {
    auto res = security_resources(server_uri, bootstrap_server, short_server_id, hold_off_s);
    for (auto& r : res) {
        if (r.id == 2) {
            r.value = TlvValue::of_int(0);  // Security Mode: Pre-Shared Key
        } else if (r.id == 3) {
            r.value = TlvValue::of_opaque(identity);
        } else if (r.id == 5) {
            r.value = TlvValue::of_opaque(key);
        }
    }
    return res;
}

BootstrapStep BootstrapServer::write_security_psk(std::uint16_t inst, const std::string& server_uri,
                                                  bool bootstrap_server, std::int64_t short_server_id,
                                                  const std::vector<std::uint8_t>& identity,
                                                  const std::vector<std::uint8_t>& key, std::int64_t hold_off_s) {
    return write_tlv("/0/" + std::to_string(inst),
                     tlv_resources(security_resources_psk(server_uri, bootstrap_server, short_server_id, identity, key,
                                                          hold_off_s)));
}

BootstrapStep BootstrapServer::write_server(std::uint16_t inst, std::int64_t short_server_id, std::int64_t lifetime_s,
                                            const std::string& binding) {
    return write_tlv("/1/" + std::to_string(inst),
                     tlv_resources(server_resources(short_server_id, lifetime_s, binding)));
}

BootstrapStep BootstrapServer::delete_path(const std::string& path) {
    return BootstrapStep{make_request(code::kDelete, path), milliseconds{0}, "delete " + path};
}

BootstrapStep BootstrapServer::discover(const std::string& path) {
    Request r = make_request(code::kGet, path);
    r.accept = content_format::kLinkFormat;
    return BootstrapStep{std::move(r), milliseconds{0}, "discover " + path};
}

BootstrapStep BootstrapServer::read(const std::string& path) {
    Request r = make_request(code::kGet, path);
    r.accept = content_format::kLwm2mTlv;
    return BootstrapStep{std::move(r), milliseconds{0}, "read " + path};
}

BootstrapStep BootstrapServer::execute(const std::string& path) {
    return BootstrapStep{make_request(code::kPost, path), milliseconds{0}, "execute " + path};
}

BootstrapStep BootstrapServer::finish(milliseconds delay) {
    return BootstrapStep{make_request(code::kPost, "/bs"), delay, "finish"};
}

BootstrapStep BootstrapServer::with_delay(BootstrapStep step, milliseconds delay) {
    step.delay = delay;
    return step;
}

}  // namespace lwm2mc::conformance
