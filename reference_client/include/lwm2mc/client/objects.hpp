// SPDX-License-Identifier: Apache-2.0
#pragma once

// The client's data model: Security /0, Server /1 and Device /3 instance 0 (OMA object registry 0, 1, 3),
// and the operations of the Bootstrap and Device Management interfaces on it. The operations are pure
// functions of a DataModel value; the engine decides who may call which (access control, bootstrap window).

#include "lwm2mc/client/message.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lwm2mc::client {

enum class LwM2mVersion : std::uint8_t { V1_0, V1_1 };
const char* version_text(LwM2mVersion v);  ///< "1.0", "1.1"

/// Security object instance (/0/x). Only the resources the lifecycle needs.
struct SecurityInstance {
    std::string server_uri{};       ///< 0 LwM2M Server URI
    bool bootstrap_server{false};   ///< 1 Bootstrap-Server
    std::int64_t security_mode{3};  ///< 2 Security Mode (0 = Pre-Shared Key, 3 = NoSec)
    /// 3 Public Key or Identity (opaque): the PSK identity in mode 0. Written only by the bootstrap server or the
    /// provisioning; never readable (TS 1.0 E.1: the Security object is not accessible through the DM interface).
    std::vector<std::uint8_t> public_key_or_identity{};
    /// 5 Secret Key (opaque): the PSK in mode 0. Never readable through any interface, not even Bootstrap-Read.
    std::vector<std::uint8_t> secret_key{};
    std::optional<std::int64_t> ssid{};    ///< 10 Short Server ID
    std::int64_t client_hold_off_time{0};  ///< 11 ClientHoldOffTime, seconds
    std::int64_t bs_account_timeout{0};    ///< 12 Bootstrap-Server Account Timeout, seconds (0 = infinite)
    friend bool operator==(const SecurityInstance&, const SecurityInstance&) = default;
};

/// The 1.1 defaults of LwM2M 1.1 Table 6.2.1.1-1 (domain doc 1.6).
struct RetryDefaults {
    std::int64_t initial_registration_delay{0};
    bool registration_failure_block{false};
    bool bootstrap_on_registration_failure{true};
    std::int64_t communication_retry_count{5};
    std::int64_t communication_retry_timer{60};
    std::int64_t communication_sequence_delay_timer{86400};
    std::int64_t communication_sequence_retry_count{1};
    friend bool operator==(const RetryDefaults&, const RetryDefaults&) = default;
};

/// Server object instance (/1/x).
struct ServerInstance {
    std::int64_t ssid{0};                                       ///< 0 Short Server ID
    std::int64_t lifetime{86400};                               ///< 1 Lifetime, seconds
    std::int64_t disable_timeout{86400};                        ///< 5 Disable Timeout, seconds (registry default 86400)
    bool notification_storing{true};                            ///< 6 Notification Storing When Disabled or Offline
    std::string binding{"U"};                                   ///< 7 Binding
    std::optional<std::int64_t> registration_priority_order{};  ///< 13
    RetryDefaults retry{};  ///< 14 Initial Registration Delay Timer .. 20 Communication Sequence Retry Count
    friend bool operator==(const ServerInstance&, const ServerInstance&) = default;
};

/// Device object instance /3/0.
struct DeviceInfo {
    std::string manufacturer{"lwm2mc"};     ///< 0
    std::string model_number{"reference"};  ///< 1
    std::string serial_number{"0001"};      ///< 2
    std::string firmware_version{"0.1.0"};  ///< 3
    std::int64_t error_code{0};             ///< 11 (instance 0 of a multiple resource)
    std::int64_t time_offset_s{0};          ///< 13 Current Time = system time + offset
    std::string supported_binding{"U"};     ///< 16
    bool supports_factory_reset{true};      ///< whether the optional resource 5 exists
    friend bool operator==(const DeviceInfo&, const DeviceInfo&) = default;
};

struct DataModel {
    std::map<std::uint16_t, SecurityInstance> security{};
    std::map<std::uint16_t, ServerInstance> server{};
    DeviceInfo device{};
    friend bool operator==(const DataModel&, const DataModel&) = default;

    /// The Bootstrap-Server Account: the Security instance with /0/x/1 = true (the first if several).
    std::optional<std::uint16_t> bootstrap_account() const;
    /// Security instance ids with /0/x/1 = false, a Short Server ID and a Server instance with the same
    /// SSID (TS 1.0 5.2.2), ordered by Registration Priority Order, then SSID.
    std::vector<std::uint16_t> server_accounts() const;
    std::optional<std::uint16_t> server_instance_for(std::int64_t ssid) const;
    bool has_bs_account() const { return bootstrap_account().has_value(); }
    bool has_server_account() const { return !server_accounts().empty(); }
};

/// "/o[/i[/r]]" parsed; every segment a decimal number below 65535.
struct Path {
    std::optional<std::uint16_t> object{};
    std::optional<std::uint16_t> instance{};
    std::optional<std::uint16_t> resource{};
    static std::optional<Path> parse(const std::vector<std::string>& segments);
    bool is_root() const { return !object; }
    friend bool operator==(const Path&, const Path&) = default;
};
std::string to_string(const Path& p);

enum class Interface : std::uint8_t { Bootstrap, Management };

/// Read (TS 1.0 5.4.1) and Bootstrap-Read (1.1): TLV or text per `accept` (nullopt: text for a single
/// resource, TLV otherwise); 4.06 for an accept the client does not speak or text for more than one resource,
/// 4.04 for a missing target, 4.05 for a non-readable resource. `now_s` is the system time for /3/0/13.
Response read(const DataModel& dm, const Path& path, std::optional<std::uint16_t> accept, Interface itf,
              LwM2mVersion version, std::int64_t now_s);

/// Write (PUT replace / POST partial update) in the Management interface or Bootstrap-Write (TS 1.0 5.2.7.4:
/// creates missing instances, ignores unsupported resources, no access control). On error `dm` is unchanged
/// and the code says why: 4.00 malformed payload, 4.04 unknown object/instance, 4.05 not writable,
/// 4.15 unsupported content format.
Response write(DataModel& dm, const Path& path, const Request& request, Interface itf, LwM2mVersion version,
               std::int64_t now_s);

/// Link attributes of one path ("/3/0/13" -> {{"pmin", "10"}}), for Discover.
using LinkAttributes = std::function<std::vector<std::pair<std::string, std::string>>(const std::string& path)>;

/// Discover (TS 1.0 5.4.2) or Bootstrap-Discover (5.2.7.3) as link-format. In the Management interface
/// `attributes`, when given, adds the attributes attached to each listed path (TS 1.0 5.4.2: Write-Attributes values).
Response discover(const DataModel& dm, const Path& path, Interface itf, LwM2mVersion version,
                  const LinkAttributes& attributes = {});

/// Bootstrap-Delete (TS 1.0 5.2.7.5): never deletes the Bootstrap-Server Account nor /3/0; `DELETE /` and
/// `DELETE /0` keep them. 2.02 on success, 4.00 for a resource path, 4.04/4.05 for unknown targets.
Response bootstrap_delete(DataModel& dm, const Path& path);

/// Whether Binding /1/x/7 = `binding` names only what the client implements, given its Device /3/0/16 Supported
/// Binding and Modes (`supported`, "U" for this client: UDP, no queue mode, SMS, TCP or non-IP): not empty, every
/// letter supported, none twice. A client that does not implement queue mode must not register with b=UQ (TS 1.0
/// 5.3.1.1 Table: the server queues requests for a UQ client), so such a value is refused wherever it comes from.
bool binding_supported(std::string_view binding, std::string_view supported);

/// Whether /o/i/r is an executable resource that exists.
bool is_executable(const DataModel& dm, const Path& path, LwM2mVersion version);

/// Register payload (TS 1.0 5.3.1): every instance except Security's, e.g. `</1/0>,</3/0>` in 1.0; in 1.1 the root
/// link and the Server object's version first: `</>;rt="oma.lwm2m";ct=11542,</1>;ver=1.1,</1/0>,</3/0>`.
std::string registration_links(const DataModel& dm, LwM2mVersion version);

/// Why a Security instance cannot be used to reach its server, or nullopt: a coaps:// URI needs Security Mode 0
/// (Pre-Shared Key, the only DTLS mode this client implements) with a non-empty identity (/0/x/3) and key
/// (/0/x/5); a coap:// URI needs Mode 3 (NoSec). TS 1.0 E.1 (Security object) and the Transport binding's
/// 7.1 (coaps is DTLS). An empty URI is no problem here (the instance is then no account at all).
std::optional<std::string> security_problem(const SecurityInstance& sec);

/// "coap://host:port" (or "coap://[v6]:port"; default port 5683, 5684 for coaps) as an Endpoint; the host must be
/// a numeric IPv4/IPv6 address or "localhost" (becomes 127.0.0.1). nullopt for anything else (no DNS lookups).
/// A coaps:// URI gives an Endpoint with `secure` set (DTLS).
std::optional<Endpoint> parse_server_uri(const std::string& uri);

}  // namespace lwm2mc::client
