// SPDX-License-Identifier: Apache-2.0
// The seeded lifecycle defects of reference_client/src/mutants.hpp, over the fake transport and a manual clock.
// Each scenario runs twice: with no mutant the client follows the spec (and the shipped model), with the mutant
// selected the wire shows the defect. The wire is what a black-box tester sees: "<ms> <request> -> <port>" for
// each request the client sends and "<ms> <code> to <request>" for each answer it gives.
#include <gtest/gtest.h>

#include <set>
#include <string_view>

#include "../harness.hpp"
#include "mutants.hpp"

using namespace lwm2mc::client;
using namespace lwm2mc::client::testing;

namespace {

/// Selects a mutant for the scope of a test ("none": the spec).
class Selected {
public:
    explicit Selected(std::string_view name) { EXPECT_TRUE(select_mutant(name)) << name; }
    ~Selected() { select_mutant("none"); }
    Selected(const Selected&) = delete;
    Selected& operator=(const Selected&) = delete;
};

std::string request_text(const Request& r) {
    const std::string method = r.method == code::kPost     ? "POST"
                               : r.method == code::kPut    ? "PUT"
                               : r.method == code::kDelete ? "DELETE"
                                                           : code_to_string(r.method);
    return method + " " + path_to_string(r.uri_path);
}

/// A Harness whose every step records the new messages on the wire with their protocol time.
struct Run {
    explicit Run(std::string_view mutant_name) : selected{mutant_name} {}

    void collect() {
        for (; seen < h.transport.sent.size(); ++seen) {
            const auto& s = h.transport.sent[seen];
            wire.push_back(std::to_string(h.clock.now().count()) + " " + request_text(s.request) + " -> " +
                           std::to_string(s.to.port));
        }
    }
    void start() {
        h.start();
        collect();
    }
    void step() {
        h.step();
        collect();
    }
    void advance(Millis d) {
        h.advance(d);
        collect();
    }
    void answer(Code c, std::vector<std::string> location = {}) {
        h.transport.answer(c, std::move(location));
        collect();
    }
    void fail() {
        h.transport.fail(SendFailure::Timeout);
        collect();
    }
    /// A request from a peer; its answer goes on the wire too.
    void inject(const Endpoint& from, const Request& r) {
        const auto response = h.transport.inject(from, r);
        wire.push_back(std::to_string(h.clock.now().count()) + " " + code_to_string(response.code) + " to " +
                       request_text(r));
        collect();
    }
    void from_bs(const Request& r) { inject(kBootstrapServer, r); }
    void from_server(const Request& r) { inject(kServer, r); }
    void bs_write_account() {
        from_bs(make_request(code::kPut, {"0", "1"}, content_format::kLwm2mTlv,
                             security_tlv("coap://127.0.0.1:5683", false, 1)));
        from_bs(make_request(code::kPut, {"1", "1"}, content_format::kLwm2mTlv, server_tlv(1, 300, "U")));
    }
    void bs_finish() { from_bs(make_request(code::kPost, {"bs"})); }
    /// A CI client bootstrapped (Delete /, one account, Finish) and registered at /rd/5; the wire is then cleared.
    void bootstrap_and_register() {
        start();
        step();
        answer(code::kChanged);
        from_bs(make_request(code::kDelete, {}));
        bs_write_account();
        bs_finish();
        step();
        answer(code::kCreated, {"rd", "5"});
        EXPECT_EQ(h.state(), "Registered");
        wire.clear();
    }
    /// A client with a factory server account (no bootstrap server) registered at /rd/5; the wire is then cleared.
    void factory_register(LwM2mVersion version = LwM2mVersion::V1_1) {
        h.config.lwm2m_version = version;
        h.config.client_initiated = false;
        h.config.bootstrap_server_uri.clear();
        h.config.factory = true;
        h.config.server_uris = {"coap://127.0.0.1:5683"};
        start();
        answer(code::kCreated, {"rd", "5"});
        EXPECT_EQ(h.state(), "Registered");
        wire.clear();
    }

    Selected selected;
    Harness h{};
    std::vector<std::string> wire{};
    std::size_t seen{0};
};

using Wire = std::vector<std::string>;

// ---- The scenarios: one per mutant -------------------------------------------------------------------------

// BsHoldOff + hold_off_expired after hold_off: ClientHoldOffTime 5 s, the first 6 s of a fresh CI client.
Wire hold_off(std::string_view mutant_name) {
    Run run{mutant_name};
    run.h.config.hold_off = 5;
    run.start();
    run.step();
    run.advance(Millis{4'999});
    run.advance(Millis{1});
    run.advance(Millis{1'000});
    return run.wire;
}

// BsRequesting + bs_request_failed, BsFailed + bs_failed_next -> BsHoldOff: the Bootstrap-Request answered 4.00.
Wire bootstrap_retry(std::string_view mutant_name) {
    Run run{mutant_name};
    run.h.config.hold_off = 5;
    run.start();
    run.advance(Millis{5'000});
    run.answer(code::kBadRequest);
    run.step();
    run.advance(Millis{60'000});
    return run.wire;
}

// BsPending + bs_write_server, then bs_finish: the account written, the client steps, then the Finish.
Wire write_then_finish(std::string_view mutant_name) {
    Run run{mutant_name};
    run.start();
    run.step();
    run.answer(code::kChanged);
    run.from_bs(make_request(code::kDelete, {}));
    run.bs_write_account();
    run.step();
    run.bs_finish();
    run.step();
    return run.wire;
}

// BsPending + bs_finish [!has_server_account]: a Finish right after Delete /.
Wire finish_after_delete(std::string_view mutant_name) {
    Run run{mutant_name};
    run.start();
    run.step();
    run.answer(code::kChanged);
    run.from_bs(make_request(code::kDelete, {}));
    run.bs_finish();
    run.step();
    return run.wire;
}

// Registered + request_bootstrap (1.1 Bootstrap-Request Trigger), bs_delete_all, bs_finish [!has_server_account].
Wire rebootstrap_with_delete_all(std::string_view mutant_name) {
    Run run{mutant_name};
    run.bootstrap_and_register();
    run.from_server(make_request(code::kPost, {"1", "1", "9"}));
    run.step();
    run.answer(code::kChanged);
    run.from_bs(make_request(code::kDelete, {}));
    run.bs_finish();
    run.step();
    return run.wire;
}

// BsPending + exchange_lifetime_expired after EXCHANGE_LIFETIME: no Finish after the account was written.
Wire no_finish(std::string_view mutant_name) {
    Run run{mutant_name};
    run.start();
    run.step();
    run.answer(code::kChanged);
    run.bs_write_account();
    run.advance(kExchangeLifetime);
    run.advance(Millis{60'000});
    return run.wire;
}

// RegPending + reg_failed (1.1: retries within a sequence): a factory client whose Register is not answered.
Wire register_timeout(std::string_view mutant_name) {
    Run run{mutant_name};
    run.h.config.client_initiated = false;
    run.h.config.bootstrap_server_uri.clear();
    run.h.config.factory = true;
    run.h.config.server_uris = {"coap://127.0.0.1:5683"};
    run.start();
    run.fail();
    run.step();
    run.advance(Millis{60'000});
    return run.wire;
}

// RegFailed + fallback_bootstrap [has_bs_account]: a 1.0 client with a BS account and a factory account, whose
// Register is answered 4.12.
Wire registration_failed(std::string_view mutant_name) {
    Run run{mutant_name};
    run.h.config.lwm2m_version = LwM2mVersion::V1_0;
    run.h.config.factory = true;
    run.h.config.server_uris = {"coap://127.0.0.1:5683"};
    run.start();
    run.answer(coap_code(4, 12));
    run.step();
    run.advance(Millis{60'000});
    return run.wire;
}

// UpdatePending + update_failed -> RegPending: the periodic Update answered 4.04.
Wire update_not_found(std::string_view mutant_name) {
    Run run{mutant_name};
    run.factory_register();
    run.advance(Millis{207'000});
    run.answer(code::kNotFound);
    run.step();
    run.advance(Millis{207'000});
    return run.wire;
}

// Registered + update_due after a re-registration at a new location (/rd/5, then /rd/6).
Wire update_after_reregistration(std::string_view mutant_name) {
    Run run{mutant_name};
    run.factory_register();
    run.advance(Millis{207'000});
    run.answer(code::kNotFound);
    run.answer(code::kCreated, {"rd", "6"});
    run.advance(Millis{207'000});
    return run.wire;
}

// Registered + update_trigger -> UpdatePending: Execute /1/1/8.
Wire update_trigger(std::string_view mutant_name) {
    Run run{mutant_name};
    run.factory_register();
    run.from_server(make_request(code::kPost, {"1", "1", "8"}));
    run.step();
    return run.wire;
}

// Registered + deregister -> DeregPending (Disable /1/1/4: De-register, then Register after the Disable Timeout).
Wire disable(std::string_view mutant_name) {
    Run run{mutant_name};
    run.factory_register();
    run.from_server(make_request(code::kPost, {"1", "1", "4"}));
    run.step();
    return run.wire;
}

// Registered + reboot -> Rebooting + restart [has_server_account] -> RegPending (observations not kept).
Wire reboot(std::string_view mutant_name) {
    Run run{mutant_name};
    run.h.config.keep_observations = false;
    run.bootstrap_and_register();
    run.from_server(make_request(code::kPost, {"3", "0", "4"}));
    run.step();
    return run.wire;
}

// A new process on the persisted state of a registered client: Init + boot [has_server_account] -> RegPending.
Wire process_restart(std::string_view mutant_name) {
    TempDir dir;
    Run run{mutant_name};
    run.h.config.state_dir = dir.path;
    run.factory_register();
    run.h.client->stop();
    run.h.client.reset();
    run.start();
    return run.wire;
}

// Registered + factory_reset, FactoryResetting + factory_reset_done -> Init (the client is set to bootstrap).
Wire factory_reset(std::string_view mutant_name) {
    Run run{mutant_name};
    run.h.config.deregister_before_factory_reset = false;
    run.h.config.bootstrap_after_factory_reset = true;
    run.bootstrap_and_register();
    run.from_server(make_request(code::kPost, {"3", "0", "5"}));
    run.step();
    return run.wire;
}

}  // namespace

// ---- The table ----------------------------------------------------------------------------------------------

TEST(MutantTable, NamesAreUniqueAndSelectable) {
    std::set<std::string_view> names;
    for (const auto& m : kMutants) {
        EXPECT_TRUE(names.insert(m.name).second) << m.name;
        EXPECT_FALSE(m.description.empty()) << m.name;
        EXPECT_FALSE(m.spec.empty()) << m.name;
        EXPECT_TRUE(select_mutant(m.name));
        EXPECT_EQ(selected_mutant_name(), m.name);
        EXPECT_TRUE(mutant(m.id));
    }
    EXPECT_GE(kMutants.size(), 12U);
    EXPECT_TRUE(select_mutant("none"));
    EXPECT_EQ(selected_mutant_name(), "none");
}

TEST(MutantTable, UnknownNameIsRefusedAndKeepsTheSelection) {
    EXPECT_TRUE(select_mutant("ignore_hold_off"));
    EXPECT_FALSE(select_mutant("ignore_hold_of"));
    EXPECT_EQ(selected_mutant_name(), "ignore_hold_off");
    EXPECT_TRUE(select_mutant(""));
    EXPECT_FALSE(mutant(Mutant::IgnoreHoldOff));
}

// ---- Each mutant against the spec -----------------------------------------------------------------------------

TEST(Mutants, IgnoreHoldOffRequestsBootstrapAtOnce) {
    EXPECT_EQ(hold_off("none"), (Wire{"5000 POST /bs -> 5685"}));
    EXPECT_EQ(hold_off("ignore_hold_off"), (Wire{"0 POST /bs -> 5685"}));
}

TEST(Mutants, BootstrapRetryWithoutHoldOffRetriesAtOnce) {
    EXPECT_EQ(bootstrap_retry("none"), (Wire{"5000 POST /bs -> 5685", "65000 POST /bs -> 5685"}))
        << "retried after ClientHoldOffTime and the back-off";
    EXPECT_EQ(bootstrap_retry("bootstrap_retry_without_hold_off"),
              (Wire{"5000 POST /bs -> 5685", "5000 POST /bs -> 5685"}));
}

TEST(Mutants, RegisterBeforeFinishRegistersBeforeTheFinish) {
    const Wire common{"0 POST /bs -> 5685", "0 2.02 to DELETE /", "0 2.04 to PUT /0/1", "0 2.04 to PUT /1/1"};
    auto spec = common;
    spec.insert(spec.end(), {"0 2.04 to POST /bs", "0 POST /rd -> 5683"});
    auto defect = common;
    defect.insert(defect.end(), {"0 POST /rd -> 5683", "0 4.03 to POST /bs"});
    EXPECT_EQ(write_then_finish("none"), spec);
    EXPECT_EQ(write_then_finish("register_before_finish"), defect);
}

TEST(Mutants, FinishWithoutServerAccountIsAccepted) {
    EXPECT_EQ(finish_after_delete("none"), (Wire{"0 POST /bs -> 5685", "0 2.02 to DELETE /", "0 4.06 to POST /bs"}));
    // Accepted; then the client has nothing to register to: no Register, it bootstraps again at once.
    EXPECT_EQ(finish_after_delete("finish_without_server_account"),
              (Wire{"0 POST /bs -> 5685", "0 2.02 to DELETE /", "0 2.04 to POST /bs", "0 POST /bs -> 5685"}));
}

TEST(Mutants, DeleteAllKeepsAccountsAcceptsTheFinishAndRegistersWithTheOldAccount) {
    const Wire common{"0 2.04 to POST /1/1/9", "0 POST /bs -> 5685", "0 2.02 to DELETE /"};
    auto spec = common;
    spec.push_back("0 4.06 to POST /bs");
    auto defect = common;
    defect.insert(defect.end(), {"0 2.04 to POST /bs", "0 POST /rd -> 5683"});
    EXPECT_EQ(rebootstrap_with_delete_all("none"), spec);
    EXPECT_EQ(rebootstrap_with_delete_all("delete_all_keeps_accounts"), defect);
}

TEST(Mutants, NoBootstrapTimeoutWaitsForTheFinishForever) {
    const Wire common{"0 POST /bs -> 5685", "0 2.04 to PUT /0/1", "0 2.04 to PUT /1/1"};
    auto spec = common;
    spec.push_back("307000 POST /bs -> 5685");  // failed at 247 s, retried after the 60 s back-off
    EXPECT_EQ(no_finish("none"), spec);
    EXPECT_EQ(no_finish("no_bootstrap_timeout"), common);
}

TEST(Mutants, IgnoreRetryTimerRetriesTheRegisterAtOnce) {
    EXPECT_EQ(register_timeout("none"), (Wire{"0 POST /rd -> 5683", "60000 POST /rd -> 5683"}));
    EXPECT_EQ(register_timeout("ignore_retry_timer"), (Wire{"0 POST /rd -> 5683", "0 POST /rd -> 5683"}));
}

TEST(Mutants, NoBootstrapFallbackRegistersAgainInsteadOfBootstrapping) {
    EXPECT_EQ(registration_failed("none"), (Wire{"0 POST /rd -> 5683", "0 POST /bs -> 5685"}));
    EXPECT_EQ(registration_failed("no_bootstrap_fallback"), (Wire{"0 POST /rd -> 5683", "60000 POST /rd -> 5683"}));
}

TEST(Mutants, Update404NoRegisterKeepsUpdating) {
    EXPECT_EQ(update_not_found("none"), (Wire{"207000 POST /rd/5 -> 5683", "207000 POST /rd -> 5683"}));
    EXPECT_EQ(update_not_found("update_404_no_register"),
              (Wire{"207000 POST /rd/5 -> 5683", "414000 POST /rd/5 -> 5683"}));
}

TEST(Mutants, StaleLocationUpdateUsesTheFirstLocation) {
    const Wire common{"207000 POST /rd/5 -> 5683", "207000 POST /rd -> 5683"};
    auto spec = common;
    spec.push_back("414000 POST /rd/6 -> 5683");
    auto defect = common;
    defect.push_back("414000 POST /rd/5 -> 5683");
    EXPECT_EQ(update_after_reregistration("none"), spec);
    EXPECT_EQ(update_after_reregistration("stale_location_update"), defect);
}

TEST(Mutants, IgnoreUpdateTriggerSendsNoUpdate) {
    EXPECT_EQ(update_trigger("none"), (Wire{"0 2.04 to POST /1/1/8", "0 POST /rd/5 -> 5683"}));
    EXPECT_EQ(update_trigger("ignore_update_trigger"), (Wire{"0 2.04 to POST /1/1/8"}));
}

TEST(Mutants, NoDeregisterSendsNoDelete) {
    EXPECT_EQ(disable("none"), (Wire{"0 2.04 to POST /1/1/4", "0 DELETE /rd/5 -> 5683"}));
    EXPECT_EQ(disable("no_deregister"), (Wire{"0 2.04 to POST /1/1/4"}));
}

TEST(Mutants, RebootIgnoredDoesNotRegisterAgain) {
    EXPECT_EQ(reboot("none"), (Wire{"0 2.04 to POST /3/0/4", "0 POST /rd -> 5683"}));
    EXPECT_EQ(reboot("reboot_ignored"), (Wire{"0 2.04 to POST /3/0/4"}));
}

TEST(Mutants, UpdateAfterRebootUpdatesTheOldLocation) {
    EXPECT_EQ(reboot("none"), (Wire{"0 2.04 to POST /3/0/4", "0 POST /rd -> 5683"}));
    EXPECT_EQ(reboot("update_after_reboot"), (Wire{"0 2.04 to POST /3/0/4", "0 POST /rd/5 -> 5683"}));
    EXPECT_EQ(process_restart("none"), (Wire{"0 POST /rd -> 5683"}));
    EXPECT_EQ(process_restart("update_after_reboot"), (Wire{"0 POST /rd/5 -> 5683"}));
}

TEST(Mutants, NoBootstrapAfterFactoryResetRegistersWithTheOldAccount) {
    EXPECT_EQ(factory_reset("none"), (Wire{"0 2.04 to POST /3/0/5", "0 POST /bs -> 5685"}));
    EXPECT_EQ(factory_reset("no_bootstrap_after_factory_reset"), (Wire{"0 2.04 to POST /3/0/5", "0 POST /rd -> 5683"}));
}

// ---- With no mutant selected the mutant build is the spec's client ---------------------------------------------

TEST(MutantBuild, WithoutAMutantTheLifecycleFollowsTheModel) {
    Selected none{"none"};
    Harness h;
    h.config.hold_off = 5;
    h.config.keep_observations = false;
    h.start();
    h.advance(Millis{5'000});
    h.transport.answer(code::kChanged);
    EXPECT_EQ(h.from_bs(make_request(code::kDelete, {})).code, code::kDeleted);
    EXPECT_EQ(h.bs_finish().code, code::kNotAcceptable);
    h.bs_write_account();
    EXPECT_EQ(h.bs_finish().code, code::kChanged);
    h.step();
    h.transport.answer(code::kCreated, {"rd", "5"});
    h.advance(Millis{207'000});
    h.transport.answer(code::kNotFound);
    h.transport.answer(code::kCreated, {"rd", "6"});
    EXPECT_EQ(h.from_server(make_request(code::kPost, {"1", "1", "8"})).code, code::kChanged);
    h.step();
    EXPECT_EQ(h.transport.pending().request.uri_path, (std::vector<std::string>{"rd", "6"}));
    h.transport.answer(code::kChanged);
    EXPECT_EQ(h.from_server(make_request(code::kPost, {"3", "0", "4"})).code, code::kChanged);
    h.step();
    EXPECT_EQ(h.transport.pending().request.uri_path, std::vector<std::string>{"rd"});
    h.transport.answer(code::kCreated, {"rd", "7"});
    ASSERT_TRUE(h.client->deregister());
    EXPECT_EQ(h.transport.pending().request.method, code::kDelete);
    h.transport.answer(code::kDeleted);

    EXPECT_EQ(h.state(), "Deregistered");
    EXPECT_EQ(h.replay(), std::nullopt);
}
