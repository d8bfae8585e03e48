// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/store.hpp"

#include "lwm2mc/client/codec.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace lwm2mc::client {

using nlohmann::json;

const char* reg_info_name(RegInfo r) {
    switch (r) {
    case RegInfo::None:
        return "RegInfoNone";
    case RegInfo::Valid:
        return "RegInfoValid";
    case RegInfo::Changed:
        return "RegInfoChanged";
    }
    return "RegInfoNone";
}

std::optional<RegInfo> parse_reg_info(std::string_view name) {
    for (const auto r : {RegInfo::None, RegInfo::Valid, RegInfo::Changed}) {
        if (name == reg_info_name(r)) {
            return r;
        }
    }
    return std::nullopt;
}

namespace {

constexpr std::string_view kMagic = "lwm2mc-state 1";
constexpr const char* kFileName = "state.lwm2mc";
constexpr const char* kTempPrefix = "state.lwm2mc.tmp";

std::uint32_t crc32(std::string_view data) {
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) {
                c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1U) : c >> 1U;
            }
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xFFFFFFFFU;
    for (const char ch : data) {
        c = table[(c ^ static_cast<std::uint8_t>(ch)) & 0xFFU] ^ (c >> 8U);
    }
    return c ^ 0xFFFFFFFFU;
}

json security_to_json(std::uint16_t id, const SecurityInstance& s) {
    json j{{"id", id},
           {"server_uri", s.server_uri},
           {"bootstrap_server", s.bootstrap_server},
           {"security_mode", s.security_mode},
           {"client_hold_off_time", s.client_hold_off_time},
           {"bs_account_timeout", s.bs_account_timeout}};
    if (s.ssid) {
        j["ssid"] = *s.ssid;
    }
    // Security Mode 0 key material as hex (the state file is the device's own storage; nothing reads it back
    // over CoAP, TS 1.0 E.1).
    if (!s.public_key_or_identity.empty()) {
        j["psk_identity"] = to_hex(s.public_key_or_identity);
    }
    if (!s.secret_key.empty()) {
        j["psk_key"] = to_hex(s.secret_key);
    }
    return j;
}

std::vector<std::uint8_t> read_hex(const json& j, const char* key) {
    if (const auto it = j.find(key); it != j.end()) {
        if (auto bytes = from_hex(it->get<std::string>())) {
            return *bytes;
        }
        throw StoreError(std::string{"'"} + key + "' is not hex (pairs of 0-9a-f)");
    }
    return {};
}

json server_to_json(std::uint16_t id, const ServerInstance& s) {
    json j{{"id", id},
           {"ssid", s.ssid},
           {"lifetime", s.lifetime},
           {"disable_timeout", s.disable_timeout},
           {"notification_storing", s.notification_storing},
           {"binding", s.binding},
           {"initial_registration_delay", s.retry.initial_registration_delay},
           {"registration_failure_block", s.retry.registration_failure_block},
           {"bootstrap_on_registration_failure", s.retry.bootstrap_on_registration_failure},
           {"communication_retry_count", s.retry.communication_retry_count},
           {"communication_retry_timer", s.retry.communication_retry_timer},
           {"communication_sequence_delay_timer", s.retry.communication_sequence_delay_timer},
           {"communication_sequence_retry_count", s.retry.communication_sequence_retry_count}};
    if (s.registration_priority_order) {
        j["registration_priority_order"] = *s.registration_priority_order;
    }
    return j;
}

// Strict readers: unknown keys and wrong types are errors (a hand-edited file must not half-load).
template <typename T>
void read_field(const json& j, const char* key, T& out) {
    if (const auto it = j.find(key); it != j.end()) {
        out = it->get<T>();
    }
}

void reject_unknown(const json& j, std::initializer_list<const char*> keys, const char* what) {
    for (const auto& [k, v] : j.items()) {
        bool known = false;
        for (const char* key : keys) {
            known = known || k == key;
        }
        if (!known) {
            throw StoreError(std::string{"unknown key '"} + k + "' in " + what);
        }
    }
}

std::uint16_t read_id(const json& j) {
    const auto id = j.at("id").get<std::int64_t>();
    if (id < 0 || id >= 65535) {
        throw StoreError("instance id " + std::to_string(id) + " out of range");
    }
    return static_cast<std::uint16_t>(id);
}

// The ranges a CoAP Write and the configuration enforce (objects.cpp set_value, config.cpp): a file must not
// smuggle in what the servers cannot write (a lifetime of 9.3e15 s overflows the timers).
void check_range(std::int64_t value, std::int64_t low, std::int64_t high, const char* what) {
    if (value < low || value > high) {
        throw StoreError(std::string{what} + " " + std::to_string(value) + " out of range [" + std::to_string(low) +
                         ", " + std::to_string(high) + "]");
    }
}

constexpr std::int64_t kMaxUint32 = 4294967295;

void check_ranges(const SecurityInstance& sec) {
    check_range(sec.security_mode, 0, 4, "security_mode");
    if (sec.ssid) {
        check_range(*sec.ssid, 1, 65534, "ssid");
    }
    check_range(sec.client_hold_off_time, 0, kMaxUint32, "client_hold_off_time");
    check_range(sec.bs_account_timeout, 0, kMaxUint32, "bs_account_timeout");
}

// `min_ssid` 0 for the state file: the engine holds a Server instance whose SSID no Bootstrap-Write set yet.
void check_ranges(const ServerInstance& srv, std::int64_t min_ssid) {
    check_range(srv.ssid, min_ssid, 65534, "ssid");
    check_range(srv.lifetime, 0, kMaxUint32, "lifetime");
    check_range(srv.disable_timeout, 0, kMaxUint32, "disable_timeout");
    if (srv.registration_priority_order) {
        check_range(*srv.registration_priority_order, 0, kMaxUint32, "registration_priority_order");
    }
    const auto& r = srv.retry;
    check_range(r.initial_registration_delay, 0, kMaxUint32, "initial_registration_delay");
    check_range(r.communication_retry_count, 0, kMaxUint32, "communication_retry_count");
    check_range(r.communication_retry_timer, 0, kMaxUint32, "communication_retry_timer");
    check_range(r.communication_sequence_delay_timer, 0, kMaxUint32, "communication_sequence_delay_timer");
    check_range(r.communication_sequence_retry_count, 0, kMaxUint32, "communication_sequence_retry_count");
}

SecurityInstance security_from_json(const json& s) {
    reject_unknown(s,
                   {"id", "server_uri", "bootstrap_server", "security_mode", "ssid", "client_hold_off_time",
                    "bs_account_timeout", "psk_identity", "psk_key"},
                   "a security instance");
    SecurityInstance sec;
    read_field(s, "server_uri", sec.server_uri);
    read_field(s, "bootstrap_server", sec.bootstrap_server);
    read_field(s, "security_mode", sec.security_mode);
    if (s.contains("ssid")) {
        sec.ssid = s.at("ssid").get<std::int64_t>();
    }
    read_field(s, "client_hold_off_time", sec.client_hold_off_time);
    read_field(s, "bs_account_timeout", sec.bs_account_timeout);
    sec.public_key_or_identity = read_hex(s, "psk_identity");
    sec.secret_key = read_hex(s, "psk_key");
    check_ranges(sec);
    return sec;
}

DataModel data_from_json(const json& j, const RetryDefaults& defaults, bool provisioning) {
    DataModel dm;
    reject_unknown(j, {"security", "server", "device"}, "the data model");
    for (const auto& s : j.value("security", json::array())) {
        const auto sec = security_from_json(s);
        if (!dm.security.emplace(read_id(s), sec).second) {
            throw StoreError("duplicate security instance id");
        }
    }
    for (const auto& s : j.value("server", json::array())) {
        reject_unknown(s,
                       {"id", "ssid", "lifetime", "disable_timeout", "notification_storing", "binding",
                        "registration_priority_order", "initial_registration_delay", "registration_failure_block",
                        "bootstrap_on_registration_failure", "communication_retry_count", "communication_retry_timer",
                        "communication_sequence_delay_timer", "communication_sequence_retry_count"},
                       "a server instance");
        ServerInstance srv;
        srv.retry = defaults;
        read_field(s, "ssid", srv.ssid);
        read_field(s, "lifetime", srv.lifetime);
        read_field(s, "disable_timeout", srv.disable_timeout);
        read_field(s, "notification_storing", srv.notification_storing);
        read_field(s, "binding", srv.binding);
        if (s.contains("registration_priority_order")) {
            srv.registration_priority_order = s.at("registration_priority_order").get<std::int64_t>();
        }
        read_field(s, "initial_registration_delay", srv.retry.initial_registration_delay);
        read_field(s, "registration_failure_block", srv.retry.registration_failure_block);
        read_field(s, "bootstrap_on_registration_failure", srv.retry.bootstrap_on_registration_failure);
        read_field(s, "communication_retry_count", srv.retry.communication_retry_count);
        read_field(s, "communication_retry_timer", srv.retry.communication_retry_timer);
        read_field(s, "communication_sequence_delay_timer", srv.retry.communication_sequence_delay_timer);
        read_field(s, "communication_sequence_retry_count", srv.retry.communication_sequence_retry_count);
        check_ranges(srv, provisioning ? 1 : 0);
        if (provisioning && !binding_supported(srv.binding, dm.device.supported_binding)) {
            // A factory configuration or smartcard must not give the client a binding it would state in its
            // Register without implementing it (objects.hpp binding_supported).
            throw StoreError("binding '" + srv.binding + "' is not implemented by this client (expected '" +
                             dm.device.supported_binding + "')");
        }
        if (!dm.server.emplace(read_id(s), srv).second) {
            throw StoreError("duplicate server instance id");
        }
    }
    if (const auto it = j.find("device"); it != j.end()) {
        auto& d = dm.device;
        reject_unknown(*it,
                       {"manufacturer", "model_number", "serial_number", "firmware_version", "error_code",
                        "time_offset_s", "supported_binding", "supports_factory_reset"},
                       "the device");
        read_field(*it, "manufacturer", d.manufacturer);
        read_field(*it, "model_number", d.model_number);
        read_field(*it, "serial_number", d.serial_number);
        read_field(*it, "firmware_version", d.firmware_version);
        read_field(*it, "error_code", d.error_code);
        read_field(*it, "time_offset_s", d.time_offset_s);
        read_field(*it, "supported_binding", d.supported_binding);
        read_field(*it, "supports_factory_reset", d.supports_factory_reset);
    }
    return dm;
}

json data_to_json(const DataModel& dm) {
    json sec = json::array();
    for (const auto& [id, s] : dm.security) {
        sec.push_back(security_to_json(id, s));
    }
    json srv = json::array();
    for (const auto& [id, s] : dm.server) {
        srv.push_back(server_to_json(id, s));
    }
    const auto& d = dm.device;
    return json{{"security", sec},
                {"server", srv},
                {"device",
                 {{"manufacturer", d.manufacturer},
                  {"model_number", d.model_number},
                  {"serial_number", d.serial_number},
                  {"firmware_version", d.firmware_version},
                  {"error_code", d.error_code},
                  {"time_offset_s", d.time_offset_s},
                  {"supported_binding", d.supported_binding},
                  {"supports_factory_reset", d.supports_factory_reset}}}};
}

json attributes_to_json(const Attributes& a) {
    json j = json::object();
    if (a.pmin) {
        j["pmin"] = *a.pmin;
    }
    if (a.pmax) {
        j["pmax"] = *a.pmax;
    }
    if (a.gt) {
        j["gt"] = *a.gt;
    }
    if (a.lt) {
        j["lt"] = *a.lt;
    }
    if (a.st) {
        j["st"] = *a.st;
    }
    return j;
}

Attributes attributes_from_json(const json& j) {
    Attributes a;
    if (j.contains("pmin")) {
        a.pmin = j.at("pmin").get<std::int64_t>();
    }
    if (j.contains("pmax")) {
        a.pmax = j.at("pmax").get<std::int64_t>();
    }
    if (j.contains("gt")) {
        a.gt = j.at("gt").get<double>();
    }
    if (j.contains("lt")) {
        a.lt = j.at("lt").get<double>();
    }
    if (j.contains("st")) {
        a.st = j.at("st").get<double>();
    }
    return a;
}

std::vector<std::uint8_t> hex_field(const json& j, const char* key) {
    auto bytes = token_from_hex(j.at(key).get<std::string>());
    if (!bytes) {
        throw StoreError(std::string{"state file damaged: bad hex in '"} + key + "'");
    }
    return *bytes;
}

std::string errno_text() {
    return std::strerror(errno);
}

void write_all(int fd, std::string_view data, const std::filesystem::path& path) {
    while (!data.empty()) {
        const auto n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw StoreError("cannot write " + path.string() + ": " + errno_text());
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

void fsync_dir(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        throw StoreError("cannot open directory " + dir.string() + ": " + errno_text());
    }
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) {
        throw StoreError("cannot sync directory " + dir.string() + ": " + errno_text());
    }
}

}  // namespace

std::string encode_state(const PersistentState& state) {
    json body{{"data", data_to_json(state.data)},
              {"reg_info", reg_info_name(state.reg_info)},
              {"after_factory_reset", state.after_factory_reset}};
    if (state.bs_backup) {
        body["bs_backup"] = security_to_json(state.bs_backup->id, state.bs_backup->account);
    }
    if (state.registration) {
        const auto& r = *state.registration;
        body["registration"] = {{"ssid", r.ssid},
                                {"location", r.location},
                                {"lifetime", r.lifetime},
                                {"binding", r.binding},
                                {"objects", r.objects}};
    }
    // Information Reporting (observe.cpp). Absent in files of earlier versions, which therefore load unchanged.
    if (!state.attributes.empty()) {
        json attrs = json::array();
        for (const auto& r : state.attributes) {
            attrs.push_back({{"ssid", r.ssid}, {"path", r.path}, {"attributes", attributes_to_json(r.attributes)}});
        }
        body["attributes"] = std::move(attrs);
    }
    if (!state.observations.empty()) {
        json obs = json::array();
        for (const auto& o : state.observations) {
            json j{{"ssid", o.ssid},
                   {"token", token_hex(o.token)},
                   {"path", o.path},
                   {"observe_seq", o.observe_seq},
                   {"last_payload", token_hex(o.last_payload)}};
            if (o.accept) {
                j["accept"] = *o.accept;
            }
            if (o.last_format) {
                j["last_format"] = *o.last_format;
            }
            obs.push_back(std::move(j));
        }
        body["observations"] = std::move(obs);
    }
    const std::string text = body.dump(1);
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", crc32(text));
    return std::string{kMagic} + " length=" + std::to_string(text.size()) + " crc32=" + crc + "\n" + text;
}

PersistentState decode_state(const std::string& bytes) {
    // Header: "lwm2mc-state 1 length=N crc32=XXXXXXXX\n", then exactly N bytes of JSON.
    const auto newline = bytes.find('\n');
    if (newline == std::string::npos) {
        throw StoreError("state file truncated: no header line");
    }
    const std::string_view header{bytes.data(), newline};
    const std::string prefix = std::string{kMagic} + " length=";
    if (!header.starts_with(prefix)) {
        throw StoreError("state file damaged: bad header");
    }
    const auto crc_at = header.find(" crc32=");
    if (crc_at == std::string_view::npos || header.size() != crc_at + 7 + 8) {
        throw StoreError("state file damaged: bad header");
    }
    std::size_t length = 0;
    const auto len_text = header.substr(prefix.size(), crc_at - prefix.size());
    if (std::from_chars(len_text.data(), len_text.data() + len_text.size(), length).ptr !=
        len_text.data() + len_text.size()) {
        throw StoreError("state file damaged: bad length");
    }
    std::uint32_t crc = 0;
    const auto crc_text = header.substr(crc_at + 7);
    if (std::from_chars(crc_text.data(), crc_text.data() + crc_text.size(), crc, 16).ptr !=
        crc_text.data() + crc_text.size()) {
        throw StoreError("state file damaged: bad checksum field");
    }
    const std::string_view body{bytes.data() + newline + 1, bytes.size() - newline - 1};
    if (body.size() != length) {
        throw StoreError("state file truncated: " + std::to_string(body.size()) + " of " + std::to_string(length) +
                         " bytes");
    }
    if (crc32(body) != crc) {
        throw StoreError("state file damaged: checksum mismatch");
    }
    try {
        const auto j = json::parse(body);
        PersistentState st;
        st.data = data_from_json(j.at("data"), RetryDefaults{}, false);
        const auto reg_info = parse_reg_info(j.at("reg_info").get<std::string>());
        if (!reg_info) {
            throw StoreError("state file damaged: bad reg_info");
        }
        st.reg_info = *reg_info;
        st.after_factory_reset = j.at("after_factory_reset").get<bool>();
        if (const auto it = j.find("bs_backup"); it != j.end()) {
            st.bs_backup = BsAccountBackup{read_id(*it), security_from_json(*it)};
        }
        if (const auto it = j.find("registration"); it != j.end()) {
            Registration r;
            r.ssid = it->at("ssid").get<std::int64_t>();
            r.location = it->at("location").get<std::vector<std::string>>();
            r.lifetime = it->at("lifetime").get<std::int64_t>();
            r.binding = it->at("binding").get<std::string>();
            r.objects = it->at("objects").get<std::string>();
            st.registration = std::move(r);
        }
        if (const auto it = j.find("attributes"); it != j.end()) {
            for (const auto& a : *it) {
                reject_unknown(a, {"ssid", "path", "attributes"}, "an attribute record");
                reject_unknown(a.at("attributes"), {"pmin", "pmax", "gt", "lt", "st"}, "attributes");
                st.attributes.push_back(AttributeRecord{a.at("ssid").get<std::int64_t>(),
                                                        a.at("path").get<std::string>(),
                                                        attributes_from_json(a.at("attributes"))});
            }
        }
        if (const auto it = j.find("observations"); it != j.end()) {
            for (const auto& o : *it) {
                reject_unknown(o, {"ssid", "token", "path", "accept", "observe_seq", "last_payload", "last_format"},
                               "an observation");
                ObservationRecord r;
                r.ssid = o.at("ssid").get<std::int64_t>();
                r.token = hex_field(o, "token");
                if (r.token.size() > 8) {
                    throw StoreError("state file damaged: observation token longer than 8 bytes");
                }
                r.path = o.at("path").get<std::string>();
                r.observe_seq = o.at("observe_seq").get<std::uint32_t>();
                r.last_payload = hex_field(o, "last_payload");
                if (o.contains("accept")) {
                    r.accept = o.at("accept").get<std::uint16_t>();
                }
                if (o.contains("last_format")) {
                    r.last_format = o.at("last_format").get<std::uint16_t>();
                }
                st.observations.push_back(std::move(r));
            }
        }
        return st;
    } catch (const json::exception& e) {
        throw StoreError(std::string{"state file damaged: "} + e.what());
    }
}

StateStore::StateStore(std::filesystem::path dir) : dir_{std::move(dir)}, file_{dir_ / kFileName} {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) {
        throw StoreError("cannot create state directory " + dir_.string() + ": " + ec.message());
    }
}

std::optional<PersistentState> StateStore::load() const {
    // A save interrupted before its rename leaves a temp file: the old state file is still the truth.
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        if (entry.path().filename().string().starts_with(kTempPrefix)) {
            std::filesystem::remove(entry.path(), ec);
        }
    }
    std::ifstream in(file_, std::ios::binary);
    if (!in) {
        if (!std::filesystem::exists(file_)) {
            return std::nullopt;
        }
        throw StoreError("cannot read " + file_.string());
    }
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return decode_state(text.str());
    } catch (const StoreError& e) {
        throw StoreError(file_.string() + ": " + e.what());
    }
}

void StateStore::save(const PersistentState& state) const {
    const std::string data = encode_state(state);
    const auto temp = dir_ / (std::string{kTempPrefix} + "." + std::to_string(::getpid()));
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw StoreError("cannot create " + temp.string() + ": " + errno_text());
    }
    try {
        write_all(fd, data, temp);
        if (::fsync(fd) != 0) {
            throw StoreError("cannot sync " + temp.string() + ": " + errno_text());
        }
    } catch (...) {
        ::close(fd);
        ::unlink(temp.c_str());
        throw;
    }
    ::close(fd);
    // rename(2) replaces the old file atomically; the directory fsync makes the new name durable.
    if (::rename(temp.c_str(), file_.c_str()) != 0) {
        const auto msg = errno_text();
        ::unlink(temp.c_str());
        throw StoreError("cannot rename " + temp.string() + " to " + file_.string() + ": " + msg);
    }
    fsync_dir(dir_);
}

void StateStore::wipe() const {
    if (::unlink(file_.c_str()) != 0 && errno != ENOENT) {
        throw StoreError("cannot remove " + file_.string() + ": " + errno_text());
    }
    fsync_dir(dir_);
}

DataModel load_provisioning(const std::filesystem::path& file, const RetryDefaults& defaults) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw StoreError(file.string() + ": error: cannot read the file");
    }
    std::ostringstream text;
    text << in.rdbuf();
    try {
        auto dm = data_from_json(json::parse(text.str()), defaults, true);
        for (const auto& [id, sec] : dm.security) {
            if (const auto problem = security_problem(sec)) {
                throw StoreError("security instance " + std::to_string(id) + ": " + *problem);
            }
        }
        return dm;
    } catch (const json::exception& e) {
        throw StoreError(file.string() + ": error: " + e.what());
    } catch (const StoreError& e) {
        throw StoreError(file.string() + ": error: " + e.what());
    }
}

}  // namespace lwm2mc::client
