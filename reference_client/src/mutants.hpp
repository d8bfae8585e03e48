// SPDX-License-Identifier: Apache-2.0
#pragma once

// Seeded lifecycle defects ("mutants") for proving that the conformance suites find defects. Each mutant is a
// few lines in the engine under `if (mutant(Mutant::X))`, placed where a real implementer would make that
// mistake. In the normal build mutant() is constexpr false and the compiler removes the defects: the normal
// client is unchanged. The test-only library lwm2mc_client_core_mutants is compiled with LWM2MC_MUTANTS; there
// mutant() checks the one mutant chosen by select_mutant() (lwm2mc-client-mutants --mutant NAME).
// Private to the reference client (src/): never installed.

#include <array>
#include <cstdint>
#include <string_view>

namespace lwm2mc::client {

enum class Mutant : std::uint8_t {
    None,
    IgnoreHoldOff,
    BootstrapRetryWithoutHoldOff,
    RegisterBeforeFinish,
    FinishWithoutServerAccount,
    DeleteAllKeepsAccounts,
    NoBootstrapTimeout,
    IgnoreRetryTimer,
    NoBootstrapFallback,
    Update404NoRegister,
    StaleLocationUpdate,
    IgnoreUpdateTrigger,
    NoDeregister,
    RebootIgnored,
    UpdateAfterReboot,
    NoBootstrapAfterFactoryReset,
};

struct MutantInfo {
    Mutant id;
    std::string_view name;
    std::string_view description;
    std::string_view spec;  ///< what the spec requires instead (model/specs/lwm2m-ts10-draft.lwm2m references)
};

/// Every mutant, in the order of the lifecycle (bootstrap, registration, management).
inline constexpr std::array<MutantInfo, 15> kMutants{{
    {Mutant::IgnoreHoldOff, "ignore_hold_off",
     "Bootstrap-Request sent at once, without waiting ClientHoldOffTime /0/x/11",
     "TS 5.2.4 step 4; object 0 resource 11 (BsHoldOff + hold_off_expired after hold_off)"},
    {Mutant::BootstrapRetryWithoutHoldOff, "bootstrap_retry_without_hold_off",
     "after a failed bootstrap the Bootstrap-Request is retried at once, without hold-off or back-off",
     "TS 5.2.6; object 0 resource 11 (BsFailed + bs_failed_next -> BsHoldOff, then after hold_off)"},
    {Mutant::RegisterBeforeFinish, "register_before_finish",
     "Register sent as soon as a server account is written, before Bootstrap-Finish",
     "TS 5.2.3.3 steps #1-#2 (BsPending + bs_finish [has_server_account] -> BsFinished, then bs_done)"},
    {Mutant::FinishWithoutServerAccount, "finish_without_server_account",
     "Bootstrap-Finish answered 2.04 although no LwM2M server account is held (should be 4.06)",
     "TS 5.2.2, 5.2.3.3 step #2, 5.2.6 (BsPending + bs_finish [!has_server_account] -> BsPending, 4.06)"},
    {Mutant::DeleteAllKeepsAccounts, "delete_all_keeps_accounts",
     "Bootstrap-Delete \"/\" answered 2.02 but the Security and Server instances are kept",
     "TS 5.2.7.5 (BsPending + bs_delete_all / has_server_account := false)"},
    {Mutant::NoBootstrapTimeout, "no_bootstrap_timeout",
     "no Bootstrap-Finish within EXCHANGE_LIFETIME: the client waits in the bootstrap forever",
     "TS 5.2.6 (BsPending + exchange_lifetime_expired after EXCHANGE_LIFETIME -> BsFailed)"},
    {Mutant::IgnoreRetryTimer, "ignore_retry_timer",
     "a failed Register is retried at once, ignoring the Communication Retry Timer and Sequence Delay Timer",
     "LwM2M 1.1 6.2.1.1, object 1 resources 18 and 19; TS 1.0 5.3.1 (model/impl/lwm2mc-client.lwm2m: RegFailed + "
     "retry_register after communication_sequence_delay_timer)"},
    {Mutant::NoBootstrapFallback, "no_bootstrap_fallback",
     "registration failed for all servers: the client registers again instead of bootstrapping",
     "TS 5.2.4 step 4; object 1 resource 16 (RegFailed + fallback_bootstrap [has_bs_account] -> BsHoldOff)"},
    {Mutant::Update404NoRegister, "update_404_no_register",
     "an Update answered 4.04 Not Found is taken as done: no Register follows",
     "TS 5.3.1, 5.3.2 (UpdatePending + update_failed -> RegPending)"},
    {Mutant::StaleLocationUpdate, "stale_location_update",
     "after a re-registration the Update still goes to the location of the first registration",
     "TS 5.3.1, 5.3.2: Update is POST /{location} of the current registration (Registered + update_due)"},
    {Mutant::IgnoreUpdateTrigger, "ignore_update_trigger",
     "Registration Update Trigger /1/x/8 answered 2.04 but no Update sent",
     "TS 5.3.2, object 1 resource 8 (Registered + update_trigger -> UpdatePending)"},
    {Mutant::NoDeregister, "no_deregister",
     "De-register is not sent: the client goes silent as if it had been answered 2.02",
     "TS 5.3.3 (Registered + deregister -> DeregPending: DELETE /{location})"},
    {Mutant::RebootIgnored, "reboot_ignored", "Reboot /3/0/4 answered 2.04 but the client does not restart",
     "TS Appendix E.4, object 3 resource 4 (Registered + reboot -> Rebooting, then restart)"},
    {Mutant::UpdateAfterReboot, "update_after_reboot",
     "after a reboot that forgets the registration the client sends an Update to the old location, not a Register",
     "TS 5.3.1, 5.5.1 (Rebooting + restart [has_server_account] / reg_info := RegInfoNone -> RegPending)"},
    {Mutant::NoBootstrapAfterFactoryReset, "no_bootstrap_after_factory_reset",
     "after Factory Reset /3/0/5 a client set to bootstrap registers with its old account instead",
     "object 3 resource 5 (FactoryResetting + factory_reset_done / reset all -> Init)"},
}};

#ifdef LWM2MC_MUTANTS

namespace detail {
inline Mutant g_selected_mutant = Mutant::None;
}  // namespace detail

/// True when `m` is the mutant selected for this process.
inline bool mutant(Mutant m) {
    return m != Mutant::None && detail::g_selected_mutant == m;
}

/// Selects the mutant named `name` ("" or "none": the client behaves per spec). False for an unknown name
/// (the selection is then unchanged).
inline bool select_mutant(std::string_view name) {
    if (name.empty() || name == "none") {
        detail::g_selected_mutant = Mutant::None;
        return true;
    }
    for (const auto& m : kMutants) {
        if (m.name == name) {
            detail::g_selected_mutant = m.id;
            return true;
        }
    }
    return false;
}

/// The selected mutant's name, "none" if none.
inline std::string_view selected_mutant_name() {
    for (const auto& m : kMutants) {
        if (m.id == detail::g_selected_mutant) {
            return m.name;
        }
    }
    return "none";
}

#else

/// The normal build: no mutant, the defects compile away.
constexpr bool mutant(Mutant) {
    return false;
}

#endif

}  // namespace lwm2mc::client
