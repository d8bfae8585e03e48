// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/conformance/lwm2m_server.hpp"

#include <algorithm>
#include <stdexcept>

namespace lwm2mc::conformance {

using client::Code;
using client::Endpoint;
using client::Request;
using client::Response;
namespace code = client::code;
namespace content_format = client::content_format;

Lwm2mServer::Lwm2mServer(PeerOptions options) : Peer(options) {}

// The loop thread calls handle(); stop it before this object's members go away.
Lwm2mServer::~Lwm2mServer() {
    stop();
}

void Lwm2mServer::set_location_style(LocationStyle style) {
    std::lock_guard lock(mutex_);
    style_ = style;
}

void Lwm2mServer::script_registers(std::vector<Scripted> answers) {
    std::lock_guard lock(mutex_);
    register_script_.assign(answers.begin(), answers.end());
}

void Lwm2mServer::reject_first_registers(unsigned count, Code code) {
    std::lock_guard lock(mutex_);
    register_script_.assign(count, Scripted{code == code::kEmpty ? Answer::Ignore : Answer::Reject, code});
}

void Lwm2mServer::script_updates(std::vector<Scripted> answers) {
    std::lock_guard lock(mutex_);
    update_script_.assign(answers.begin(), answers.end());
}

void Lwm2mServer::set_register_default(Scripted answer) {
    std::lock_guard lock(mutex_);
    register_default_ = answer;
}

void Lwm2mServer::set_update_default(Scripted answer) {
    std::lock_guard lock(mutex_);
    update_default_ = answer;
}

void Lwm2mServer::set_deregister_default(Scripted answer) {
    std::lock_guard lock(mutex_);
    deregister_default_ = answer;
}

std::vector<Lwm2mServer::Registration> Lwm2mServer::registrations() const {
    std::lock_guard lock(mutex_);
    return registrations_;
}

std::optional<Lwm2mServer::Registration> Lwm2mServer::registration(const std::string& endpoint_name) const {
    std::lock_guard lock(mutex_);
    for (auto it = registrations_.rbegin(); it != registrations_.rend(); ++it) {
        if (it->endpoint_name == endpoint_name && it->active) {
            return *it;
        }
    }
    return std::nullopt;
}

std::vector<ReceivedRequest> Lwm2mServer::registration_requests() const {
    std::vector<ReceivedRequest> out;
    for (auto& r : received()) {
        if (!r.request.uri_path.empty() && r.request.uri_path.front() == "rd") {
            out.push_back(std::move(r));
        }
    }
    return out;
}

std::optional<Lwm2mServer::Scripted> Lwm2mServer::next_scripted(std::deque<Scripted>& queue) {
    if (queue.empty()) {
        return std::nullopt;
    }
    Scripted s = queue.front();
    queue.pop_front();
    return s;
}

namespace {
void take_params(const Request& r, std::map<std::string, std::string>& params) {
    for (const char* key : {"lt", "lwm2m", "b", "sms"}) {
        if (auto v = query_value(r, key)) {
            params[key] = *v;
        }
    }
}
}  // namespace

Response Lwm2mServer::handle(const Endpoint& from, const Request& request) {
    const auto& path = request.uri_path;
    if (path.size() == 1 && path[0] == "rd" && request.method == code::kPost) {
        return on_register(from, request);
    }
    if (path.size() == 2 && path[0] == "rd" && request.method == code::kPost) {
        return on_update(path[1], request);
    }
    if (path.size() == 2 && path[0] == "rd" && request.method == code::kDelete) {
        return on_deregister(path[1]);
    }
    return Response{code::kNotFound, {}, std::nullopt, {}};
}

Response Lwm2mServer::on_register(const Endpoint& from, const Request& request) {
    std::lock_guard lock(mutex_);
    auto s = next_scripted(register_script_);
    if (!s) {
        s = register_default_;
    }
    if (s->answer != Answer::Normal) {
        return Response{s->answer == Answer::Ignore ? code::kEmpty : s->code, {}, std::nullopt, {}};
    }
    const auto ep = query_value(request, "ep");
    if (!ep || ep->empty()) {
        return Response{code::kBadRequest, {}, std::nullopt, {}};
    }
    // TS 1.0 5.3.1: a Register of a known endpoint name replaces the old registration.
    for (auto& r : registrations_) {
        if (r.endpoint_name == *ep) {
            r.active = false;
        }
    }
    Registration reg;
    reg.endpoint_name = *ep;
    reg.id = std::to_string(next_id_++);
    reg.client = from;
    take_params(request, reg.params);
    reg.objects = payload_text(request.payload);
    registrations_.push_back(reg);
    Response r{code::kCreated, {}, std::nullopt, {}};
    if (style_ == LocationStyle::TwoOptions) {
        r.location_path = {"rd", reg.id};
    } else {
        r.location_path = {"rd/" + reg.id};
    }
    return r;
}

Response Lwm2mServer::on_update(const std::string& id, const Request& request) {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(registrations_.begin(), registrations_.end(),
                           [&](const Registration& r) { return r.id == id && r.active; });
    auto s = next_scripted(update_script_);
    if (!s) {
        s = update_default_;
    }
    if (s->answer != Answer::Normal) {
        if (s->answer == Answer::Ignore) {
            return Response{code::kEmpty, {}, std::nullopt, {}};
        }
        if (s->code == code::kNotFound && it != registrations_.end()) {
            it->active = false;  // the server forgot the registration: the client must Register again
        }
        return Response{s->code, {}, std::nullopt, {}};
    }
    if (it == registrations_.end()) {
        return Response{code::kNotFound, {}, std::nullopt, {}};
    }
    take_params(request, it->params);
    if (!request.payload.empty()) {
        it->objects = payload_text(request.payload);
    }
    ++it->updates;
    return Response{code::kChanged, {}, std::nullopt, {}};
}

Response Lwm2mServer::on_deregister(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(registrations_.begin(), registrations_.end(),
                           [&](const Registration& r) { return r.id == id && r.active; });
    if (deregister_default_.answer == Answer::Ignore) {
        return Response{code::kEmpty, {}, std::nullopt, {}};
    }
    if (deregister_default_.answer == Answer::Reject) {
        if (deregister_default_.code == code::kNotFound && it != registrations_.end()) {
            it->active = false;
        }
        return Response{deregister_default_.code, {}, std::nullopt, {}};
    }
    if (it == registrations_.end()) {
        return Response{code::kNotFound, {}, std::nullopt, {}};
    }
    it->active = false;
    return Response{code::kDeleted, {}, std::nullopt, {}};
}

std::shared_future<Exchange> Lwm2mServer::send_to_client(const std::string& endpoint_name, Request request,
                                                         milliseconds delay) {
    auto reg = registration(endpoint_name);
    if (!reg) {
        std::promise<Exchange> failed;
        failed.set_exception(
            std::make_exception_ptr(std::runtime_error("no active registration of '" + endpoint_name + "'")));
        return failed.get_future().share();
    }
    const std::string label = client::path_to_string(request.uri_path);
    return send(reg->client, std::move(request), delay, label);
}

std::shared_future<Exchange> Lwm2mServer::observe(const std::string& endpoint_name, const std::string& path,
                                                  std::vector<std::uint8_t> token,
                                                  std::optional<std::uint16_t> accept) {
    Request r = make_request(code::kGet, path);
    r.token = std::move(token);
    r.observe = 0;
    r.accept = accept;
    return send_to_client(endpoint_name, std::move(r));
}

std::shared_future<Exchange> Lwm2mServer::cancel_observation(const std::string& endpoint_name, const std::string& path,
                                                             std::vector<std::uint8_t> token,
                                                             std::optional<std::uint16_t> accept) {
    Request r = make_request(code::kGet, path);
    r.token = std::move(token);
    r.observe = 1;
    r.accept = accept;
    return send_to_client(endpoint_name, std::move(r));
}

Request Lwm2mServer::write_attributes(const std::string& path, std::vector<std::string> query) {
    Request r = make_request(code::kPut, path);
    r.uri_query = std::move(query);
    return r;
}

bool Lwm2mServer::on_notification(const Endpoint& from, const std::vector<std::uint8_t>& token,
                                  const Response& response) {
    std::lock_guard lock(mutex_);
    const bool reset = std::find(reset_tokens_.begin(), reset_tokens_.end(), token) != reset_tokens_.end();
    notifications_.push_back(ReceivedNotification{from, token, response, Clock::now(), !reset});
    return !reset;
}

std::vector<Lwm2mServer::ReceivedNotification> Lwm2mServer::notifications() const {
    std::lock_guard lock(mutex_);
    return notifications_;
}

std::vector<Lwm2mServer::ReceivedNotification>
Lwm2mServer::notifications(const std::vector<std::uint8_t>& token) const {
    std::vector<ReceivedNotification> out;
    for (auto& n : notifications()) {
        if (n.token == token) {
            out.push_back(std::move(n));
        }
    }
    return out;
}

std::size_t Lwm2mServer::notification_count() const {
    std::lock_guard lock(mutex_);
    return notifications_.size();
}

void Lwm2mServer::reset_notifications(const std::vector<std::uint8_t>& token) {
    std::lock_guard lock(mutex_);
    reset_tokens_.push_back(token);
}

Request Lwm2mServer::read(const std::string& path) {
    Request r = make_request(code::kGet, path);
    r.accept = content_format::kTextPlain;
    return r;
}

Request Lwm2mServer::execute(const std::string& path, const std::string& args) {
    Request r = make_request(code::kPost, path);
    r.payload.assign(args.begin(), args.end());
    return r;
}

Request Lwm2mServer::write_text(const std::string& path, const std::string& value) {
    Request r = make_request(code::kPut, path);
    r.content_format = content_format::kTextPlain;
    r.payload.assign(value.begin(), value.end());
    return r;
}

}  // namespace lwm2mc::conformance
