// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/objects.hpp"

#include "lwm2mc/client/codec.hpp"
#include "lwm2mc/client/tlv.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <netinet/in.h>

#include "mutants.hpp"

namespace lwm2mc::client {

const char* version_text(LwM2mVersion v) {
    return v == LwM2mVersion::V1_0 ? "1.0" : "1.1";
}

std::optional<std::uint16_t> DataModel::bootstrap_account() const {
    for (const auto& [id, sec] : security) {
        if (sec.bootstrap_server) {
            return id;
        }
    }
    return std::nullopt;
}

std::optional<std::uint16_t> DataModel::server_instance_for(std::int64_t ssid) const {
    for (const auto& [id, srv] : server) {
        if (srv.ssid == ssid) {
            return id;
        }
    }
    return std::nullopt;
}

std::vector<std::uint16_t> DataModel::server_accounts() const {
    // LwM2M TS 1.0 5.2.2: a LwM2M Server Account is a Security instance (Bootstrap-Server = false) and a
    // Server instance paired by Short Server ID (/0/x/10 == /1/y/0); 0 and 65535 are not valid SSIDs.
    std::vector<std::pair<std::pair<std::int64_t, std::int64_t>, std::uint16_t>> found;
    for (const auto& [id, sec] : security) {
        if (sec.bootstrap_server || !sec.ssid || *sec.ssid < 1 || *sec.ssid > 65534 || sec.server_uri.empty()) {
            continue;
        }
        if (const auto srv = server_instance_for(*sec.ssid)) {
            // LwM2M 1.1 6.2.1.1 / Server object resource 13: registrations in increasing Registration
            // Priority Order; unordered servers after the ordered ones.
            const auto order = server.at(*srv).registration_priority_order.value_or(INT64_MAX);
            found.push_back({{order, *sec.ssid}, id});
        }
    }
    std::sort(found.begin(), found.end());
    std::vector<std::uint16_t> out;
    for (const auto& f : found) {
        out.push_back(f.second);
    }
    return out;
}

std::optional<Path> Path::parse(const std::vector<std::string>& segments) {
    if (segments.size() > 3) {
        return std::nullopt;
    }
    std::optional<std::uint16_t> ids[3];
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const auto& s = segments[i];
        unsigned v = 0;
        const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size() || v >= 65535) {
            return std::nullopt;
        }
        ids[i] = static_cast<std::uint16_t>(v);
    }
    return Path{ids[0], ids[1], ids[2]};
}

std::string to_string(const Path& p) {
    std::string out;
    for (const auto& id : {p.object, p.instance, p.resource}) {
        if (id) {
            out += '/' + std::to_string(*id);
        }
    }
    return out.empty() ? "/" : out;
}

namespace {

using Value = std::variant<std::int64_t, bool, std::string>;

enum class Kind : std::uint8_t { Int, Bool, String, Exec, Time, IntList, Opaque };

struct ResDef {
    std::uint16_t id;
    Kind kind;
    bool dm_read;
    bool dm_write;
    bool v11_only;
};

// clang-format off
// Security /0: no Device Management access at all (TS 1.0 E.1: the object is only for the bootstrap). 3 and 5
// (PSK identity and key, opaque) are written by the bootstrap server and never read back (get_value).
constexpr ResDef kSecurityRes[] = {
    {0, Kind::String, false, false, false}, {1, Kind::Bool, false, false, false}, {2, Kind::Int, false, false, false},
    {3, Kind::Opaque, false, false, false}, {5, Kind::Opaque, false, false, false},
    {10, Kind::Int, false, false, false},   {11, Kind::Int, false, false, false}, {12, Kind::Int, false, false, false},
};
// Server /1 (registry 1.xml): 13-20 are 1.1 resources; 1.1 gives them no operations (only the bootstrap
// server sets them), 1.2 makes them readable and 14, 17-20 writable (lwm2m-registry #519); we follow 1.2.
constexpr ResDef kServerRes[] = {
    {0, Kind::Int, true, false, false},   {1, Kind::Int, true, true, false},    {4, Kind::Exec, false, false, false},
    {5, Kind::Int, true, true, false},    {6, Kind::Bool, true, true, false},
    {7, Kind::String, true, true, false}, {8, Kind::Exec, false, false, false}, {9, Kind::Exec, false, false, true},
    {13, Kind::Int, true, false, true},   {14, Kind::Int, true, true, true},    {15, Kind::Bool, true, false, true},
    {16, Kind::Bool, true, false, true},  {17, Kind::Int, true, true, true},    {18, Kind::Int, true, true, true},
    {19, Kind::Int, true, true, true},    {20, Kind::Int, true, true, true},
};
constexpr ResDef kDeviceRes[] = {
    {0, Kind::String, true, false, false}, {1, Kind::String, true, false, false}, {2, Kind::String, true, false, false},
    {3, Kind::String, true, false, false}, {4, Kind::Exec, false, false, false},  {5, Kind::Exec, false, false, false},
    {11, Kind::IntList, true, false, false}, {13, Kind::Time, true, true, false}, {16, Kind::String, true, false, false},
};
// clang-format on

std::span<const ResDef> defs_of(std::uint16_t object) {
    switch (object) {
    case 0:
        return kSecurityRes;
    case 1:
        return kServerRes;
    case 3:
        return kDeviceRes;
    default:
        return {};
    }
}

bool object_supported(std::uint16_t object) {
    return object == 0 || object == 1 || object == 3;
}

const ResDef* find_def(const DataModel& dm, std::uint16_t object, std::uint16_t res, LwM2mVersion version) {
    for (const auto& d : defs_of(object)) {
        if (d.id == res) {
            if (d.v11_only && version == LwM2mVersion::V1_0) {
                return nullptr;
            }
            if (object == 3 && res == 5 && !dm.device.supports_factory_reset) {
                return nullptr;  // the optional Factory Reset resource is not implemented by this device
            }
            return &d;
        }
    }
    return nullptr;
}

bool instance_exists(const DataModel& dm, std::uint16_t object, std::uint16_t inst) {
    switch (object) {
    case 0:
        return dm.security.contains(inst);
    case 1:
        return dm.server.contains(inst);
    case 3:
        return inst == 0;
    default:
        return false;
    }
}

std::vector<std::uint16_t> instances_of(const DataModel& dm, std::uint16_t object) {
    std::vector<std::uint16_t> out;
    if (object == 0) {
        for (const auto& [id, s] : dm.security) {
            out.push_back(id);
        }
    } else if (object == 1) {
        for (const auto& [id, s] : dm.server) {
            out.push_back(id);
        }
    } else if (object == 3) {
        out.push_back(0);
    }
    return out;
}

std::optional<Value> get_value(const DataModel& dm, std::uint16_t object, std::uint16_t inst, std::uint16_t res,
                               std::int64_t now_s) {
    if (object == 0) {
        const auto& s = dm.security.at(inst);
        switch (res) {
        case 0:
            return s.server_uri;
        case 1:
            return s.bootstrap_server;
        case 2:
            return s.security_mode;
        case 3:
        case 5:
            return std::nullopt;  // key material: never leaves the client (TS 1.0 E.1, 7.1.9 Security object)
        case 10:
            if (s.ssid) {
                return *s.ssid;
            }
            return std::nullopt;
        case 11:
            return s.client_hold_off_time;
        case 12:
            return s.bs_account_timeout;
        default:
            return std::nullopt;
        }
    }
    if (object == 1) {
        const auto& s = dm.server.at(inst);
        switch (res) {
        case 0:
            return s.ssid;
        case 1:
            return s.lifetime;
        case 5:
            return s.disable_timeout;
        case 6:
            return s.notification_storing;
        case 7:
            return s.binding;
        case 13:
            if (s.registration_priority_order) {
                return *s.registration_priority_order;
            }
            return std::nullopt;
        case 14:
            return s.retry.initial_registration_delay;
        case 15:
            return s.retry.registration_failure_block;
        case 16:
            return s.retry.bootstrap_on_registration_failure;
        case 17:
            return s.retry.communication_retry_count;
        case 18:
            return s.retry.communication_retry_timer;
        case 19:
            return s.retry.communication_sequence_delay_timer;
        case 20:
            return s.retry.communication_sequence_retry_count;
        default:
            return std::nullopt;
        }
    }
    if (object == 3) {
        const auto& d = dm.device;
        switch (res) {
        case 0:
            return d.manufacturer;
        case 1:
            return d.model_number;
        case 2:
            return d.serial_number;
        case 3:
            return d.firmware_version;
        case 11:
            return d.error_code;
        case 13:
            return now_s + d.time_offset_s;
        case 16:
            return d.supported_binding;
        default:
            return std::nullopt;
        }
    }
    return std::nullopt;
}

// Validates and stores one value; false = bad value (4.00).
bool set_value(DataModel& dm, std::uint16_t object, std::uint16_t inst, std::uint16_t res, const Value& v,
               std::int64_t now_s) {
    const auto* i = std::get_if<std::int64_t>(&v);
    const auto* b = std::get_if<bool>(&v);
    const auto* s = std::get_if<std::string>(&v);
    const auto non_negative = [&] { return i != nullptr && *i >= 0 && *i <= 4294967295; };
    if (object == 0) {
        auto& sec = dm.security[inst];
        switch (res) {
        case 0:
            sec.server_uri = *s;
            return true;
        case 1:
            sec.bootstrap_server = *b;
            return true;
        case 2:
            if (*i < 0 || *i > 4) {
                return false;
            }
            sec.security_mode = *i;
            return true;
        case 3:
            sec.public_key_or_identity.assign(s->begin(), s->end());
            return true;
        case 5:
            sec.secret_key.assign(s->begin(), s->end());
            return true;
        case 10:
            // Security object resource 10: 1..65534; 0 and 65535 are reserved.
            if (*i < 1 || *i > 65534) {
                return false;
            }
            sec.ssid = *i;
            return true;
        case 11:
            if (!non_negative()) {
                return false;
            }
            sec.client_hold_off_time = *i;
            return true;
        case 12:
            if (!non_negative()) {
                return false;
            }
            sec.bs_account_timeout = *i;
            return true;
        default:
            return true;
        }
    }
    if (object == 1) {
        auto& srv = dm.server[inst];
        switch (res) {
        case 0:
            if (*i < 1 || *i > 65534) {
                return false;
            }
            srv.ssid = *i;
            return true;
        case 1:
            if (!non_negative()) {
                return false;
            }
            srv.lifetime = *i;
            return true;
        case 5:
            if (!non_negative()) {
                return false;
            }
            srv.disable_timeout = *i;
            return true;
        case 6:
            srv.notification_storing = *b;
            return true;
        case 7:
            // Binding: a Bootstrap-Write or Write of a binding the client does not implement (UQ without queue
            // mode, S, T, N) is refused with 4.00 and changes nothing; the server can read what the client
            // supports in /3/0/16 (TS 1.0 5.3.1.1; 1.1 object 1 resource 7: the client uses the binding "if it
            // supports" it, and this client would otherwise state b=UQ in its Register without queueing).
            if (!binding_supported(*s, dm.device.supported_binding)) {
                return false;
            }
            srv.binding = *s;
            return true;
        case 13:
            if (!non_negative()) {
                return false;
            }
            srv.registration_priority_order = *i;
            return true;
        case 15:
            srv.retry.registration_failure_block = *b;
            return true;
        case 16:
            srv.retry.bootstrap_on_registration_failure = *b;
            return true;
        case 14:
        case 17:
        case 18:
        case 19:
        case 20: {
            if (!non_negative()) {
                return false;
            }
            auto& r = srv.retry;
            auto* field = res == 14   ? &r.initial_registration_delay
                          : res == 17 ? &r.communication_retry_count
                          : res == 18 ? &r.communication_retry_timer
                          : res == 19 ? &r.communication_sequence_delay_timer
                                      : &r.communication_sequence_retry_count;
            *field = *i;
            return true;
        }
        default:
            return true;
        }
    }
    if (object == 3 && res == 13) {
        dm.device.time_offset_s = *i - now_s;
        return true;
    }
    return true;  // read-only device information: a Bootstrap-Write ignores it
}

std::vector<std::uint8_t> value_to_tlv(const Value& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
        return tlv_int(*i);
    }
    if (const auto* b = std::get_if<bool>(&v)) {
        return tlv_bool(*b);
    }
    return tlv_string(std::get<std::string>(v));
}

std::string value_to_text(const Value& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
        return std::to_string(*i);
    }
    if (const auto* b = std::get_if<bool>(&v)) {
        return *b ? "1" : "0";
    }
    return std::get<std::string>(v);
}

std::optional<Value> value_from_bytes(Kind kind, std::span<const std::uint8_t> bytes, Format f) {
    if (f == Format::Text) {
        const std::string_view text{reinterpret_cast<const char*>(bytes.data()), bytes.size()};
        switch (kind) {
        case Kind::Int:
        case Kind::Time:
            if (auto v = text_to_int(text)) {
                return *v;
            }
            return std::nullopt;
        case Kind::Bool:
            if (auto v = text_to_bool(text)) {
                return *v;
            }
            return std::nullopt;
        case Kind::String:
            return std::string{text};
        default:
            return std::nullopt;
        }
    }
    switch (kind) {
    case Kind::Int:
    case Kind::Time:
        if (auto v = tlv_to_int(bytes)) {
            return *v;
        }
        return std::nullopt;
    case Kind::Bool:
        if (auto v = tlv_to_bool(bytes)) {
            return *v;
        }
        return std::nullopt;
    case Kind::String:
    case Kind::Opaque:  // carried as bytes in the string alternative
        return std::string(bytes.begin(), bytes.end());
    default:
        return std::nullopt;
    }
}

std::vector<TlvRecord> instance_records(const DataModel& dm, std::uint16_t object, std::uint16_t inst,
                                        LwM2mVersion version, Interface itf, std::int64_t now_s) {
    std::vector<TlvRecord> out;
    for (const auto& d : defs_of(object)) {
        if (!find_def(dm, object, d.id, version) || d.kind == Kind::Exec) {
            continue;
        }
        if (itf == Interface::Management && !d.dm_read) {
            continue;
        }
        const auto v = get_value(dm, object, inst, d.id, now_s);
        if (!v) {
            continue;
        }
        if (d.kind == Kind::IntList) {
            out.push_back(
                {TlvType::MultipleResource, d.id, {}, {{TlvType::ResourceInstance, 0, value_to_tlv(*v), {}}}});
        } else {
            out.push_back({TlvType::Resource, d.id, value_to_tlv(*v), {}});
        }
    }
    return out;
}

Response error(Code c) {
    return Response{c, {}, std::nullopt, {}};
}

Response tlv_response(const std::vector<TlvRecord>& records) {
    return Response{code::kContent, {}, content_format::kLwm2mTlv, encode_tlv(records)};
}

}  // namespace

Response read(const DataModel& dm, const Path& path, std::optional<std::uint16_t> accept, Interface itf,
              LwM2mVersion version, std::int64_t now_s) {
    std::optional<Format> want;
    if (accept) {
        want = format_of(*accept);
        // LwM2M TS 1.0 5.4.1 / RFC 7252 5.10.4: an Accept the client cannot produce is answered 4.06.
        if (!want || *want == Format::LinkFormat) {
            return error(code::kNotAcceptable);
        }
    }
    if (path.is_root() || !object_supported(*path.object)) {
        return error(code::kNotFound);
    }
    const auto object = *path.object;
    if (!path.instance) {
        if (want == Format::Text) {
            return error(code::kNotAcceptable);
        }
        std::vector<TlvRecord> records;
        for (const auto inst : instances_of(dm, object)) {
            records.push_back(
                {TlvType::ObjectInstance, inst, {}, instance_records(dm, object, inst, version, itf, now_s)});
        }
        return tlv_response(records);
    }
    if (!instance_exists(dm, object, *path.instance)) {
        return error(code::kNotFound);
    }
    if (!path.resource) {
        if (want == Format::Text) {
            return error(code::kNotAcceptable);
        }
        return tlv_response(instance_records(dm, object, *path.instance, version, itf, now_s));
    }
    const auto* def = find_def(dm, object, *path.resource, version);
    if (def == nullptr) {
        return error(code::kNotFound);
    }
    if (def->kind == Kind::Exec || (itf == Interface::Management && !def->dm_read)) {
        return error(code::kMethodNotAllowed);
    }
    const auto v = get_value(dm, object, *path.instance, *path.resource, now_s);
    if (!v) {
        return error(code::kNotFound);
    }
    if (def->kind == Kind::IntList) {
        if (want == Format::Text) {
            return error(code::kNotAcceptable);
        }
        return tlv_response(
            {{TlvType::MultipleResource, def->id, {}, {{TlvType::ResourceInstance, 0, value_to_tlv(*v), {}}}}});
    }
    if (want == Format::Tlv) {
        return tlv_response({{TlvType::Resource, def->id, value_to_tlv(*v), {}}});
    }
    const auto text = value_to_text(*v);
    return Response{code::kContent, {}, content_format::kTextPlain, {text.begin(), text.end()}};
}

namespace {

// Writes the resources of one instance from TLV records; returns a code on error.
std::optional<Code> write_resources(DataModel& dm, std::uint16_t object, std::uint16_t inst,
                                    const std::vector<TlvRecord>& records, Interface itf, LwM2mVersion version,
                                    std::int64_t now_s) {
    for (const auto& r : records) {
        if (r.type != TlvType::Resource && r.type != TlvType::MultipleResource) {
            return code::kBadRequest;
        }
        const auto* def = find_def(dm, object, r.id, version);
        if (def == nullptr) {
            if (itf == Interface::Bootstrap) {
                continue;  // LwM2M TS 1.0 5.2.7.4: a Bootstrap-Write ignores resources the client does not support
            }
            return code::kNotFound;
        }
        if (def->kind == Kind::Exec || (itf == Interface::Management && !def->dm_write)) {
            if (itf == Interface::Bootstrap && def->kind != Kind::Exec) {
                continue;
            }
            return code::kMethodNotAllowed;
        }
        if (def->kind == Kind::IntList) {
            if (itf == Interface::Bootstrap) {
                continue;
            }
            return code::kMethodNotAllowed;
        }
        if (r.type != TlvType::Resource) {
            return code::kBadRequest;
        }
        const auto v = value_from_bytes(def->kind, r.value, Format::Tlv);
        if (!v || !set_value(dm, object, inst, r.id, *v, now_s)) {
            return code::kBadRequest;
        }
    }
    return std::nullopt;
}

}  // namespace

Response write(DataModel& dm, const Path& path, const Request& request, Interface itf, LwM2mVersion version,
               std::int64_t now_s) {
    if (path.is_root()) {
        return error(code::kMethodNotAllowed);
    }
    if (!object_supported(*path.object)) {
        return error(code::kNotFound);
    }
    if (!request.content_format) {
        return error(code::kUnsupportedContentFormat);
    }
    const auto fmt = format_of(*request.content_format);
    if (!fmt || *fmt == Format::LinkFormat) {
        return error(code::kUnsupportedContentFormat);
    }
    const auto object = *path.object;
    if (itf == Interface::Management && !path.instance) {
        return error(code::kMethodNotAllowed);  // LwM2M TS 1.0 5.4.3: Write targets an instance or a resource
    }
    if (path.instance && !instance_exists(dm, object, *path.instance)) {
        // LwM2M TS 1.0 5.2.7.4: a Bootstrap-Write creates the instance; /3 has only instance 0.
        if (itf == Interface::Management || object == 3) {
            return error(code::kNotFound);
        }
    }
    DataModel copy = dm;  // the data model changes only when the whole write succeeds
    const auto ensure_instance = [&](std::uint16_t inst) {
        if (object == 0) {
            copy.security.try_emplace(inst);
        } else if (object == 1) {
            copy.server.try_emplace(inst);
        }
    };
    if (*fmt == Format::Text) {
        if (!path.resource) {
            return error(code::kBadRequest);
        }
        const auto* def = find_def(dm, object, *path.resource, version);
        if (def == nullptr) {
            return error(itf == Interface::Bootstrap ? code::kChanged : code::kNotFound);
        }
        if (def->kind == Kind::Exec || def->kind == Kind::IntList || (itf == Interface::Management && !def->dm_write)) {
            return error(code::kMethodNotAllowed);
        }
        const auto v = value_from_bytes(def->kind, request.payload, Format::Text);
        ensure_instance(*path.instance);
        if (!v || !set_value(copy, object, *path.instance, *path.resource, *v, now_s)) {
            return error(code::kBadRequest);
        }
        dm = std::move(copy);
        return error(code::kChanged);
    }
    const auto decoded = decode_tlv(request.payload);
    if (std::holds_alternative<TlvError>(decoded)) {
        return error(code::kBadRequest);
    }
    const auto& records = std::get<std::vector<TlvRecord>>(decoded);
    std::optional<Code> failed;
    if (!path.instance) {
        for (const auto& r : records) {
            if (r.type != TlvType::ObjectInstance || (object == 3 && r.id != 0)) {
                return error(code::kBadRequest);
            }
            ensure_instance(r.id);
            if ((failed = write_resources(copy, object, r.id, r.children, itf, version, now_s))) {
                return error(*failed);
            }
        }
    } else {
        std::vector<TlvRecord> resources = records;
        // Some bootstrap servers wrap the resources of /o/i in an Object Instance TLV with the same id.
        if (records.size() == 1 && records[0].type == TlvType::ObjectInstance) {
            if (records[0].id != *path.instance) {
                return error(code::kBadRequest);
            }
            resources = records[0].children;
        }
        if (path.resource) {
            if (resources.size() != 1 || resources[0].id != *path.resource) {
                return error(code::kBadRequest);
            }
        }
        ensure_instance(*path.instance);
        if ((failed = write_resources(copy, object, *path.instance, resources, itf, version, now_s))) {
            return error(*failed);
        }
    }
    dm = std::move(copy);
    return error(code::kChanged);
}

Response discover(const DataModel& dm, const Path& path, Interface itf, LwM2mVersion version,
                  const LinkAttributes& attributes) {
    std::vector<Link> links;
    if (itf == Interface::Bootstrap) {
        // LwM2M TS 1.0 5.2.7.3: the LwM2M version, then the instances; server accounts carry their ssid, the
        // bootstrap-server account none (1.1 adds uri= on Security instances).
        if (path.instance) {
            return error(code::kBadRequest);
        }
        if (path.object && !object_supported(*path.object)) {
            return error(code::kNotFound);
        }
        links.push_back({"/", {{"lwm2m", version_text(version)}}});
        for (const std::uint16_t object : {std::uint16_t{0}, std::uint16_t{1}, std::uint16_t{3}}) {
            if (path.object && *path.object != object) {
                continue;
            }
            const auto insts = instances_of(dm, object);
            if (insts.empty()) {
                links.push_back({"/" + std::to_string(object), {}});
            }
            for (const auto inst : insts) {
                Link l{"/" + std::to_string(object) + "/" + std::to_string(inst), {}};
                if (object == 0) {
                    const auto& sec = dm.security.at(inst);
                    if (!sec.bootstrap_server && sec.ssid) {
                        l.attributes.emplace_back("ssid", std::to_string(*sec.ssid));
                    }
                    if (version == LwM2mVersion::V1_1) {
                        l.attributes.emplace_back("uri", "\"" + sec.server_uri + "\"");
                    }
                } else if (object == 1) {
                    l.attributes.emplace_back("ssid", std::to_string(dm.server.at(inst).ssid));
                }
                links.push_back(std::move(l));
            }
        }
    } else {
        // LwM2M TS 1.0 5.4.2: Discover lists the object or instance and the resources that exist.
        if (path.is_root() || !object_supported(*path.object) || *path.object == 0) {
            return error(code::kNotFound);
        }
        const auto object = *path.object;
        if (path.instance && !instance_exists(dm, object, *path.instance)) {
            return error(code::kNotFound);
        }
        if (path.resource) {
            if (find_def(dm, object, *path.resource, version) == nullptr) {
                return error(code::kNotFound);
            }
            links.push_back({to_string(path), {}});
        } else {
            links.push_back({to_string(path), {}});
            const auto insts = path.instance ? std::vector<std::uint16_t>{*path.instance} : instances_of(dm, object);
            for (const auto inst : insts) {
                for (const auto& d : defs_of(object)) {
                    if (find_def(dm, object, d.id, version) != nullptr &&
                        (d.kind == Kind::Exec || get_value(dm, object, inst, d.id, 0))) {
                        links.push_back(
                            {"/" + std::to_string(object) + "/" + std::to_string(inst) + "/" + std::to_string(d.id),
                             {}});
                    }
                }
            }
        }
        if (attributes) {
            for (auto& l : links) {
                for (auto& a : attributes(l.target)) {
                    l.attributes.push_back(std::move(a));
                }
            }
        }
    }
    const auto text = format_links(links);
    return Response{code::kContent, {}, content_format::kLinkFormat, {text.begin(), text.end()}};
}

Response bootstrap_delete(DataModel& dm, const Path& path) {
    const auto bs = dm.bootstrap_account();
    const auto keep_bs_only = [&] {
        std::erase_if(dm.security, [&](const auto& kv) { return !bs || kv.first != *bs; });
    };
    if (path.resource) {
        return error(code::kBadRequest);
    }
    if (path.is_root()) {
        // LwM2M TS 1.0 5.2.7.5: Delete "/" removes every instance of every object except the Bootstrap-Server
        // Account and the single Device instance /3/0 (domain doc 1.2).
        if (mutant(Mutant::DeleteAllKeepsAccounts)) {
            // Defect: "/" is taken as "the objects the bootstrap server may overwrite" and the server accounts
            // stay; TS 5.2.7.5 deletes them (the model's bs_delete_all sets has_server_account := false).
            return error(code::kDeleted);
        }
        keep_bs_only();
        dm.server.clear();
        return error(code::kDeleted);
    }
    const auto object = *path.object;
    if (!object_supported(object)) {
        return error(code::kNotFound);
    }
    if (!path.instance) {
        if (object == 0) {
            keep_bs_only();  // "Delete /0" keeps the BS account (Wakaama #445 / PR #446)
        } else if (object == 1) {
            dm.server.clear();
        }
        return error(code::kDeleted);  // "/3": the Device instance is never deleted
    }
    if ((object == 0 && bs && *path.instance == *bs) || object == 3) {
        return error(code::kBadRequest);  // the BS account and /3/0 cannot be deleted
    }
    if (object == 0) {
        dm.security.erase(*path.instance);
    } else {
        dm.server.erase(*path.instance);
    }
    return error(code::kDeleted);
}

bool binding_supported(std::string_view binding, std::string_view supported) {
    if (binding.empty()) {
        return false;
    }
    for (std::size_t i = 0; i < binding.size(); ++i) {
        if (supported.find(binding[i]) == std::string_view::npos ||
            binding.find(binding[i], i + 1) != std::string_view::npos) {
            return false;
        }
    }
    return true;
}

bool is_executable(const DataModel& dm, const Path& path, LwM2mVersion version) {
    if (!path.object || !path.instance || !path.resource || !instance_exists(dm, *path.object, *path.instance)) {
        return false;
    }
    const auto* def = find_def(dm, *path.object, *path.resource, version);
    return def != nullptr && def->kind == Kind::Exec;
}

std::string registration_links(const DataModel& dm, LwM2mVersion version) {
    // LwM2M TS 1.0 5.3.1: the Security object is never listed; /1 and /3 are.
    std::vector<Link> links;
    if (version == LwM2mVersion::V1_1) {
        // LwM2M 1.1 Core 6.2.1 Register (TS11-Nov17 draft 5.3.1): "</>" with rt="oma.lwm2m" is the root of the
        // objects (Transport 6.4.1 Alternate Path; "</>" is the default root), and ct= names the optional data
        // format the client supports. TLV is no longer the format every 1.1 peer may assume (1.1 Core 7.4: plain
        // text, opaque and CoRE link are mandatory, TLV is legacy), so the client says that it speaks TLV (11542).
        links.push_back({"/", {{"rt", "\"oma.lwm2m\""}, {"ct", std::to_string(content_format::kLwm2mTlv)}}});
        // Object versions (1.1 Core 7.2, TS11-Nov17 draft 6.2.3 Table 19): an object that is not in version 1.0
        // carries ver=. The Server object of LwM2M 1.1 is version 1.1 (registry 1-1_1.xml: /1/x/9 and 13-20,
        // which this client implements in 1.1 mode); Device /3 implements only the resources of version 1.0
        // (registry 3-1_0.xml: 0-5, 11, 13, 16) and so stays without ver= (domain doc 1.7).
        links.push_back({"/1", {{"ver", "1.1"}}});
    } else if (dm.server.empty()) {
        links.push_back({"/1", {}});
    }
    for (const auto& [id, s] : dm.server) {
        links.push_back({"/1/" + std::to_string(id), {}});
    }
    links.push_back({"/3/0", {}});
    return format_links(links);
}

std::optional<std::string> security_problem(const SecurityInstance& sec) {
    if (sec.server_uri.empty()) {
        return std::nullopt;
    }
    const auto to = parse_server_uri(sec.server_uri);
    if (!to) {
        return "server URI '" + sec.server_uri + "' is not usable";
    }
    // TS 1.0 E.1 /0/x/2: 0 Pre-Shared Key, 1 Raw Public Key, 2 Certificate, 3 NoSec, (1.1) 4 Certificate with EST.
    if (!to->secure) {
        if (sec.security_mode != 3) {
            return "'" + sec.server_uri + "' is plain CoAP but Security Mode is " + std::to_string(sec.security_mode) +
                   ", not 3 (NoSec)";
        }
        return std::nullopt;
    }
    if (sec.security_mode != 0) {
        return "'" + sec.server_uri + "' needs DTLS with Security Mode 0 (Pre-Shared Key, the only DTLS mode " +
               "supported); Security Mode is " + std::to_string(sec.security_mode);
    }
    if (sec.public_key_or_identity.empty() || sec.secret_key.empty()) {
        return "'" + sec.server_uri + "' with Security Mode 0 needs a PSK identity (/0/x/3) and key (/0/x/5)";
    }
    return std::nullopt;
}

std::optional<Endpoint> parse_server_uri(const std::string& uri) {
    std::string_view rest{uri};
    std::uint16_t port = 5683;
    bool secure = false;
    if (rest.starts_with("coap://")) {
        rest.remove_prefix(7);
    } else if (rest.starts_with("coaps://")) {
        rest.remove_prefix(8);
        port = 5684;
        secure = true;
    } else {
        return std::nullopt;
    }
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        rest = rest.substr(0, slash);
    }
    std::string host;
    std::string_view port_text;
    if (rest.starts_with('[')) {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        host = std::string{rest.substr(1, close - 1)};
        rest.remove_prefix(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return std::nullopt;
            }
            port_text = rest.substr(1);
        }
    } else {
        const auto colon = rest.find(':');
        host = std::string{rest.substr(0, colon)};
        if (colon != std::string_view::npos) {
            port_text = rest.substr(colon + 1);
        }
    }
    if (!port_text.empty()) {
        unsigned p = 0;
        const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
        if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || p == 0 || p > 65535) {
            return std::nullopt;
        }
        port = static_cast<std::uint16_t>(p);
    }
    if (host.empty()) {
        return std::nullopt;
    }
    if (host == "localhost") {
        host = "127.0.0.1";
    }
    // The engine does no name resolution: a peer is matched by its numeric address.
    unsigned char buf[sizeof(in6_addr)];
    if (::inet_pton(AF_INET, host.c_str(), buf) != 1 && ::inet_pton(AF_INET6, host.c_str(), buf) != 1) {
        return std::nullopt;
    }
    return Endpoint{host, port, secure};
}

}  // namespace lwm2mc::client
