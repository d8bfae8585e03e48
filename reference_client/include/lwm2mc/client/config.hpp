// SPDX-License-Identifier: Apache-2.0
#pragma once

// The reference client's configuration. The choices the spec leaves to the client (the model's `choice` events)
// are a base, ClientChoices; the first group of fields are the shipped model's parameters
// (model/specs/lwm2m-ts10-draft.lwm2m) under the same names; the rest is deployment.

#include "lwm2mc/client/objects.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lwm2mc::client {

/// The choices the spec leaves to the client (the model's `choice` events). The engine reads each one when it
/// decides, so Client::set_choices changes the next decision; none of them is persisted.
struct ClientChoices {
    bool bootstrap_after_factory_reset{true};    ///< factory_reset_done: run the Bootstrap Sequence (Init) or Register
    bool bootstrap_after_reboot{false};          ///< restart: run the Bootstrap Sequence (Init)
    bool keep_observations{true};                ///< restart: keep a valid registration (TS 5.5.1 SHOULD)
    bool deregister_before_factory_reset{true};  ///< De-register MAY precede a factory reset (/3/0/5 text)
    bool register_on_reg_info_change{false};     ///< reg_info_changed / bs_done: Register instead of Update
    bool register_after_bootstrap_failure{false};  ///< bs_failed_next: use held server accounts, not retry
};

/// The choices are a base so that `config.keep_observations` reads as before and a Client's choices can be
/// replaced as one value.
struct ClientConfig : ClientChoices {
    // ---- model parameters (same names as in the model file) ----
    bool factory{false};                ///< supports Factory Bootstrap (factory_config_file or server_uris)
    bool smartcard{false};              ///< a smartcard is fitted (smartcard_file)
    bool client_initiated{true};        ///< supports Client Initiated Bootstrap
    bool server_initiated{false};       ///< supports 1.0-style Server Initiated Bootstrap
    bool supports_factory_reset{true};  ///< implements /3/0/5
    std::int64_t hold_off{0};           ///< ClientHoldOffTime /0/x/11 of the provisioned BS account, seconds

    // ---- deployment ----
    LwM2mVersion lwm2m_version{LwM2mVersion::V1_1};
    std::string endpoint{"lwm2mc"};
    std::int64_t lifetime{300};  ///< seconds, for server instances from server_uris
    std::string binding{"U"};
    std::string bootstrap_server_uri{};      ///< the pre-provisioned BS account (needed for CI and SI)
    std::vector<std::string> server_uris{};  ///< factory configuration inline: one account each (SSID 1, 2, ...)
    /// DTLS-PSK (Security Mode 0, TS 1.0 E.1 /0/x/3 and /0/x/5) of the pre-provisioned BS account when
    /// bootstrap_server_uri is coaps://; hex in the configuration. A coap:// URI is NoSec (Mode 3).
    std::vector<std::uint8_t> bootstrap_psk_identity{};
    std::vector<std::uint8_t> bootstrap_psk_key{};
    /// DTLS-PSK of every coaps:// entry of server_uris (hex in the configuration).
    std::vector<std::uint8_t> server_psk_identity{};
    std::vector<std::uint8_t> server_psk_key{};
    std::filesystem::path state_dir{};  ///< persistence; empty = keep state in memory only
    std::filesystem::path factory_config_file{};
    std::filesystem::path smartcard_file{};  ///< swap the file to emulate a replaced card
    RetryDefaults retry{};                   ///< 1.1 registration retry defaults for provisioned servers
    DeviceInfo device{};
    /// Information Reporting (TS 1.0 5.5, RFC 7641 4.5): every Nth notification of an observation is Confirmable,
    /// the others Non-confirmable; 1 (the default) = all CON, 0 = all NON. CON by default because libcoap 4.3.1
    /// reports an RST only for a CON message: only then does the client learn that the observer is gone.
    std::uint32_t notification_con_every{1};
};

/// A configuration error in GNU form: "file:line:col: error: message" (1-based line and column).
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Names accepted by load_config and apply_assignment, in declaration order.
const std::vector<std::string_view>& config_keys();

/// Reads a JSON object of `name: value` pairs over `base`; unknown keys, wrong types and invalid values are
/// ConfigErrors with the key's position ("did you mean ..." for a near miss).
ClientConfig parse_config(std::string_view json_text, const std::string& display_name, ClientConfig base = {});
/// As parse_config from a file; an unreadable file is a ConfigError "file: error: cannot read ...".
ClientConfig load_config(const std::filesystem::path& file, ClientConfig base = {});

/// Applies "name=value" (as from `--config factory=true,hold_off=0`); throws ConfigError "error: ...".
void apply_assignment(ClientConfig& config, std::string_view assignment);
/// Applies a comma-separated list of assignments.
void apply_assignments(ClientConfig& config, std::string_view list);

/// Checks cross-field rules (at least one bootstrap mode, a BS URI for CI/SI, a factory source, ...).
/// Returns the problems, empty if none.
std::vector<std::string> validate(const ClientConfig& config);

}  // namespace lwm2mc::client
