// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/config.hpp"

#include "lwm2mc/client/codec.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>

namespace lwm2mc::client {

using nlohmann::json;

namespace {

enum class Kind : std::uint8_t { Bool, Int, String, StringList, Path, Version };

struct Key {
    std::string_view name;
    Kind kind;
    std::function<void(ClientConfig&, const json&)> set;
};

// Throws std::invalid_argument with a message for an invalid value; the caller adds the location.
std::int64_t non_negative(const json& v) {
    const auto i = v.get<std::int64_t>();
    if (i < 0 || i > 4294967295) {
        throw std::invalid_argument("expected an integer in [0, 4294967295]; got " + std::to_string(i));
    }
    return i;
}

std::string unsupported_binding_message(const std::string& binding, const std::string& supported) {
    return "expected a binding the client implements ('" + supported +
           "': UDP; no queue mode, SMS, TCP or non-IP); got '" + binding + "'";
}

const std::vector<Key>& keys() {
    static const std::vector<Key> table = [] {
        std::vector<Key> t;
        const auto flag = [&t](std::string_view name, bool ClientConfig::*field) {
            t.push_back({name, Kind::Bool, [field](ClientConfig& c, const json& v) { c.*field = v.get<bool>(); }});
        };
        const auto retry_int = [&t](std::string_view name, std::int64_t RetryDefaults::*field) {
            t.push_back(
                {name, Kind::Int, [field](ClientConfig& c, const json& v) { c.retry.*field = non_negative(v); }});
        };
        const auto device_text = [&t](std::string_view name, std::string DeviceInfo::*field) {
            t.push_back({name, Kind::String,
                         [field](ClientConfig& c, const json& v) { c.device.*field = v.get<std::string>(); }});
        };
        flag("factory", &ClientConfig::factory);
        flag("smartcard", &ClientConfig::smartcard);
        flag("client_initiated", &ClientConfig::client_initiated);
        flag("server_initiated", &ClientConfig::server_initiated);
        flag("supports_factory_reset", &ClientConfig::supports_factory_reset);
        t.push_back({"hold_off", Kind::Int, [](ClientConfig& c, const json& v) { c.hold_off = non_negative(v); }});
        flag("bootstrap_after_factory_reset", &ClientConfig::bootstrap_after_factory_reset);
        flag("bootstrap_after_reboot", &ClientConfig::bootstrap_after_reboot);
        flag("keep_observations", &ClientConfig::keep_observations);
        flag("deregister_before_factory_reset", &ClientConfig::deregister_before_factory_reset);
        flag("register_on_reg_info_change", &ClientConfig::register_on_reg_info_change);
        flag("register_after_bootstrap_failure", &ClientConfig::register_after_bootstrap_failure);
        t.push_back({"lwm2m_version", Kind::Version, [](ClientConfig& c, const json& v) {
                         const auto s = v.get<std::string>();
                         if (s == "1.0") {
                             c.lwm2m_version = LwM2mVersion::V1_0;
                         } else if (s == "1.1") {
                             c.lwm2m_version = LwM2mVersion::V1_1;
                         } else {
                             throw std::invalid_argument("expected one of '1.0', '1.1'; got '" + s + "'");
                         }
                     }});
        t.push_back({"endpoint", Kind::String, [](ClientConfig& c, const json& v) {
                         c.endpoint = v.get<std::string>();
                         if (c.endpoint.empty()) {
                             throw std::invalid_argument("the endpoint name must not be empty");
                         }
                     }});
        t.push_back({"lifetime", Kind::Int, [](ClientConfig& c, const json& v) { c.lifetime = non_negative(v); }});
        t.push_back({"notification_con_every", Kind::Int, [](ClientConfig& c, const json& v) {
                         const auto n = non_negative(v);
                         if (n > 4294967295) {
                             throw std::invalid_argument("expected at most 4294967295");
                         }
                         c.notification_con_every = static_cast<std::uint32_t>(n);
                     }});
        t.push_back({"binding", Kind::String, [](ClientConfig& c, const json& v) {
                         const auto b = v.get<std::string>();
                         // The binding of the server accounts from server_uris goes into the Register's b=; only
                         // what the client implements (objects.hpp binding_supported; TS 1.0 5.3.1.1).
                         if (!binding_supported(b, c.device.supported_binding)) {
                             throw std::invalid_argument(unsupported_binding_message(b, c.device.supported_binding));
                         }
                         c.binding = b;
                     }});
        const auto check_uri = [](const std::string& uri) {
            if (!parse_server_uri(uri)) {
                throw std::invalid_argument(
                    "expected 'coap://host:port' or 'coaps://host:port' with a numeric host or localhost; got '" + uri +
                    "'");
            }
        };
        t.push_back({"bootstrap_server_uri", Kind::String, [check_uri](ClientConfig& c, const json& v) {
                         c.bootstrap_server_uri = v.get<std::string>();
                         if (!c.bootstrap_server_uri.empty()) {
                             check_uri(c.bootstrap_server_uri);
                         }
                     }});
        t.push_back({"server_uris", Kind::StringList, [check_uri](ClientConfig& c, const json& v) {
                         c.server_uris = v.get<std::vector<std::string>>();
                         std::for_each(c.server_uris.begin(), c.server_uris.end(), check_uri);
                     }});
        const auto psk = [&t](std::string_view name, std::vector<std::uint8_t> ClientConfig::*field) {
            t.push_back({name, Kind::String, [field](ClientConfig& c, const json& v) {
                             auto bytes = from_hex(v.get<std::string>());
                             if (!bytes) {
                                 throw std::invalid_argument("expected hex digits in pairs; got '" +
                                                             v.get<std::string>() + "'");
                             }
                             c.*field = std::move(*bytes);
                         }});
        };
        psk("bootstrap_psk_identity", &ClientConfig::bootstrap_psk_identity);
        psk("bootstrap_psk_key", &ClientConfig::bootstrap_psk_key);
        psk("server_psk_identity", &ClientConfig::server_psk_identity);
        psk("server_psk_key", &ClientConfig::server_psk_key);
        t.push_back(
            {"state_dir", Kind::Path, [](ClientConfig& c, const json& v) { c.state_dir = v.get<std::string>(); }});
        t.push_back({"factory_config_file", Kind::Path,
                     [](ClientConfig& c, const json& v) { c.factory_config_file = v.get<std::string>(); }});
        t.push_back({"smartcard_file", Kind::Path,
                     [](ClientConfig& c, const json& v) { c.smartcard_file = v.get<std::string>(); }});
        retry_int("initial_registration_delay", &RetryDefaults::initial_registration_delay);
        t.push_back({"bootstrap_on_registration_failure", Kind::Bool, [](ClientConfig& c, const json& v) {
                         c.retry.bootstrap_on_registration_failure = v.get<bool>();
                     }});
        retry_int("communication_retry_count", &RetryDefaults::communication_retry_count);
        retry_int("communication_retry_timer", &RetryDefaults::communication_retry_timer);
        retry_int("communication_sequence_delay_timer", &RetryDefaults::communication_sequence_delay_timer);
        retry_int("communication_sequence_retry_count", &RetryDefaults::communication_sequence_retry_count);
        device_text("manufacturer", &DeviceInfo::manufacturer);
        device_text("model_number", &DeviceInfo::model_number);
        device_text("serial_number", &DeviceInfo::serial_number);
        device_text("firmware_version", &DeviceInfo::firmware_version);
        return t;
    }();
    return table;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1);
    std::vector<std::size_t> cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        prev[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string unknown_key_message(std::string_view name) {
    std::string msg = "unknown configuration key '" + std::string{name} + "'";
    std::string_view best;
    std::size_t best_d = 3;
    for (const auto& k : keys()) {
        const auto d = edit_distance(name, k.name);
        if (d < best_d) {
            best_d = d;
            best = k.name;
        }
    }
    if (!best.empty()) {
        msg += "; did you mean '" + std::string{best} + "'?";
    }
    return msg;
}

const Key* find_key(std::string_view name) {
    for (const auto& k : keys()) {
        if (k.name == name) {
            return &k;
        }
    }
    return nullptr;
}

// 1-based line and column of byte offset `offset` (0-based) in `text`.
std::pair<std::size_t, std::size_t> line_col(std::string_view text, std::size_t offset) {
    std::size_t line = 1;
    std::size_t col = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return {line, col};
}

// Position of the key `"name"` in a flat JSON object (first occurrence followed by ':').
std::size_t key_offset(std::string_view text, std::string_view name) {
    const std::string quoted = "\"" + std::string{name} + "\"";
    for (auto pos = text.find(quoted); pos != std::string_view::npos; pos = text.find(quoted, pos + 1)) {
        auto after = pos + quoted.size();
        while (after < text.size() &&
               (text[after] == ' ' || text[after] == '\t' || text[after] == '\n' || text[after] == '\r')) {
            ++after;
        }
        if (after < text.size() && text[after] == ':') {
            return pos;
        }
    }
    return 0;
}

std::string located(const std::string& file, std::string_view text, std::size_t offset, const std::string& msg) {
    const auto [line, col] = line_col(text, offset);
    return file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": error: " + msg;
}

const char* kind_text(Kind k) {
    switch (k) {
    case Kind::Bool:
        return "a boolean";
    case Kind::Int:
        return "an integer";
    case Kind::String:
    case Kind::Path:
    case Kind::Version:
        return "a string";
    case Kind::StringList:
        return "an array of strings";
    }
    return "?";
}

bool type_matches(Kind k, const json& v) {
    switch (k) {
    case Kind::Bool:
        return v.is_boolean();
    case Kind::Int:
        return v.is_number_integer();
    case Kind::String:
    case Kind::Path:
    case Kind::Version:
        return v.is_string();
    case Kind::StringList:
        return v.is_array() && std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_string(); });
    }
    return false;
}

}  // namespace

const std::vector<std::string_view>& config_keys() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> out;
        for (const auto& k : keys()) {
            out.push_back(k.name);
        }
        return out;
    }();
    return names;
}

ClientConfig parse_config(std::string_view json_text, const std::string& display_name, ClientConfig base) {
    json doc;
    try {
        doc = json::parse(json_text);
    } catch (const json::parse_error& e) {
        // nlohmann's e.byte is 1-based (the character that failed); convert at the boundary to line:col.
        const std::size_t offset = e.byte == 0 ? 0 : e.byte - 1;
        std::string msg = e.what();
        if (const auto at = msg.find("syntax error while parsing value - "); at != std::string::npos) {
            msg = msg.substr(at + 35);
        } else if (const auto colon = msg.find("]: "); colon != std::string::npos) {
            msg = msg.substr(colon + 3);
        }
        throw ConfigError(located(display_name, json_text, offset, "invalid JSON: " + msg));
    }
    if (!doc.is_object()) {
        throw ConfigError(located(display_name, json_text, 0, "expected a JSON object of configuration keys"));
    }
    for (const auto& [name, value] : doc.items()) {
        const auto offset = key_offset(json_text, name);
        const Key* key = find_key(name);
        if (key == nullptr) {
            throw ConfigError(located(display_name, json_text, offset, unknown_key_message(name)));
        }
        if (!type_matches(key->kind, value)) {
            throw ConfigError(located(display_name, json_text, offset,
                                      "'" + std::string{name} + "' expects " + kind_text(key->kind) + "; got " +
                                          std::string{value.type_name()}));
        }
        try {
            key->set(base, value);
        } catch (const std::exception& e) {
            throw ConfigError(located(display_name, json_text, offset, "'" + std::string{name} + "': " + e.what()));
        }
    }
    return base;
}

ClientConfig load_config(const std::filesystem::path& file, ClientConfig base) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw ConfigError(file.string() + ": error: cannot read the configuration file");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), file.string(), std::move(base));
}

void apply_assignment(ClientConfig& config, std::string_view assignment) {
    const auto eq = assignment.find('=');
    if (eq == std::string_view::npos || eq == 0) {
        throw ConfigError("error: expected 'name=value'; got '" + std::string{assignment} + "'");
    }
    const auto name = assignment.substr(0, eq);
    const std::string text{assignment.substr(eq + 1)};
    const Key* key = find_key(name);
    if (key == nullptr) {
        throw ConfigError("error: " + unknown_key_message(name));
    }
    json value;
    switch (key->kind) {
    case Kind::Bool:
        if (text == "true" || text == "1") {
            value = true;
        } else if (text == "false" || text == "0") {
            value = false;
        } else {
            throw ConfigError("error: '" + std::string{name} + "' expects true or false; got '" + text + "'");
        }
        break;
    case Kind::Int:
        if (const auto v = text_to_int(text)) {
            value = *v;
        } else {
            throw ConfigError("error: '" + std::string{name} + "' expects an integer; got '" + text + "'");
        }
        break;
    case Kind::StringList: {
        // Several URIs are separated by ';' because ',' separates assignments.
        std::vector<std::string> items;
        std::size_t start = 0;
        while (start <= text.size() && !text.empty()) {
            const auto semi = text.find(';', start);
            items.push_back(text.substr(start, semi == std::string::npos ? std::string::npos : semi - start));
            if (semi == std::string::npos) {
                break;
            }
            start = semi + 1;
        }
        value = items;
        break;
    }
    default:
        value = text;
        break;
    }
    try {
        key->set(config, value);
    } catch (const std::exception& e) {
        throw ConfigError("error: '" + std::string{name} + "': " + e.what());
    }
}

void apply_assignments(ClientConfig& config, std::string_view list) {
    std::size_t start = 0;
    while (start < list.size()) {
        const auto comma = list.find(',', start);
        const auto item = list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (!item.empty()) {
            apply_assignment(config, item);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
}

std::vector<std::string> validate(const ClientConfig& c) {
    std::vector<std::string> problems;
    // The model's constraint at_least_one_mode (TS 5.2; SCR LwM2M-BOOT-001-C-M).
    if (!c.factory && !c.smartcard && !c.client_initiated && !c.server_initiated) {
        problems.emplace_back("a client supports at least one bootstrap mode (factory, smartcard, client_initiated, "
                              "server_initiated)");
    }
    if ((c.client_initiated || c.server_initiated) && c.bootstrap_server_uri.empty()) {
        problems.emplace_back("client_initiated and server_initiated need a pre-provisioned bootstrap_server_uri");
    }
    if (c.factory && c.factory_config_file.empty() && c.server_uris.empty()) {
        problems.emplace_back("factory needs factory_config_file or server_uris");
    }
    if (c.smartcard && c.smartcard_file.empty()) {
        problems.emplace_back("smartcard needs smartcard_file");
    }
    if (!binding_supported(c.binding, c.device.supported_binding)) {
        problems.push_back("binding: " + unsupported_binding_message(c.binding, c.device.supported_binding));
    }
    // A coaps:// account is DTLS with a pre-shared key (Security Mode 0): it needs an identity and a key.
    const auto secure = [](const std::string& uri) {
        const auto e = parse_server_uri(uri);
        return e && e->secure;
    };
    if (secure(c.bootstrap_server_uri) && (c.bootstrap_psk_identity.empty() || c.bootstrap_psk_key.empty())) {
        problems.emplace_back("a coaps:// bootstrap_server_uri needs bootstrap_psk_identity and bootstrap_psk_key");
    }
    if (std::any_of(c.server_uris.begin(), c.server_uris.end(), secure) &&
        (c.server_psk_identity.empty() || c.server_psk_key.empty())) {
        problems.emplace_back("coaps:// server_uris need server_psk_identity and server_psk_key");
    }
    return problems;
}

}  // namespace lwm2mc::client
