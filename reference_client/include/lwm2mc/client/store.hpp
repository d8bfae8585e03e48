// SPDX-License-Identifier: Apache-2.0
#pragma once

// Crash-safe persistence of what survives a reboot: the Security and Server objects, the registration
// ("RegInfo": server, location, lifetime, binding and object list last registered) and the model's persistent
// variables. One file, written as temp file + fsync + rename + fsync(dir): after a kill at any moment a
// restart sees the old or the new state; a damaged file is reported, never loaded.

#include "lwm2mc/client/objects.hpp"
#include "lwm2mc/client/observe.hpp"

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lwm2mc::client {

/// The model's reg_info values (shipped model, var reg_info).
enum class RegInfo : std::uint8_t { None, Valid, Changed };
const char* reg_info_name(RegInfo r);  ///< "RegInfoNone", "RegInfoValid", "RegInfoChanged"
std::optional<RegInfo> parse_reg_info(std::string_view name);

/// What the client last registered with a server (TS 1.0 5.3.1/5.3.2).
struct Registration {
    std::int64_t ssid{0};
    std::vector<std::string> location{};  ///< Location-Path segments, e.g. {"rd", "5"}
    std::int64_t lifetime{0};
    std::string binding{};
    std::string objects{};  ///< the link-format object list sent
    friend bool operator==(const Registration&, const Registration&) = default;
};

/// The Bootstrap-Server Account as it was before a bootstrap sequence (TS 1.0 5.2.6: restored if it fails).
struct BsAccountBackup {
    std::uint16_t id{0};  ///< Security instance id
    SecurityInstance account{};
    friend bool operator==(const BsAccountBackup&, const BsAccountBackup&) = default;
};

struct PersistentState {
    DataModel data{};
    std::optional<Registration> registration{};
    RegInfo reg_info{RegInfo::None};
    bool after_factory_reset{false};
    /// Held while a bootstrap sequence runs: a restart in its middle (power cycle, reboot) restores it.
    std::optional<BsAccountBackup> bs_backup{};
    /// Write-Attributes values per server and path (TS 1.0 5.4.4); dropped with the observations.
    std::vector<AttributeRecord> attributes{};
    /// Observations of the registered server (TS 1.0 5.5.1): kept over a reboot that keeps the registration,
    /// dropped by a new Register, De-register, bootstrap and factory reset. Older state files have none.
    std::vector<ObservationRecord> observations{};
    friend bool operator==(const PersistentState&, const PersistentState&) = default;
};

/// I/O failure, or a state file that is truncated, bit-flipped or otherwise not what `save` wrote.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class StateStore {
public:
    /// Uses `dir` (created if missing) for the file `state.lwm2mc`.
    explicit StateStore(std::filesystem::path dir);

    /// nullopt when no state was ever saved; throws StoreError for an unreadable or damaged file. Removes
    /// temp files that an interrupted `save` left behind (they are never read).
    std::optional<PersistentState> load() const;
    /// Atomically replaces the state; throws StoreError on I/O failure (the previous state is then kept).
    void save(const PersistentState& state) const;
    /// Removes the state (factory reset to "never saved"); durable like `save`.
    void wipe() const;

    const std::filesystem::path& file() const { return file_; }

private:
    std::filesystem::path dir_{};
    std::filesystem::path file_{};
};

/// Encodes / decodes the state file format (header line with length and CRC-32, then JSON). Exposed for tests.
std::string encode_state(const PersistentState& state);
/// Throws StoreError with a description of the damage.
PersistentState decode_state(const std::string& bytes);

/// A provisioning file (factory configuration or smartcard): JSON with "security" and "server" arrays, e.g.
/// {"security":[{"id":1,"server_uri":"coap://127.0.0.1:5683","ssid":1}],"server":[{"id":1,"ssid":1,"lifetime":300}]}.
/// A coaps:// server needs "security_mode":0 with "psk_identity" and "psk_key" (hex, /0/x/3 and /0/x/5); the state
/// file holds them the same way. An unusable account (security_problem) is invalid content.
/// Throws StoreError with "file: error: ..." on unreadable or invalid content.
DataModel load_provisioning(const std::filesystem::path& file, const RetryDefaults& defaults);

}  // namespace lwm2mc::client
