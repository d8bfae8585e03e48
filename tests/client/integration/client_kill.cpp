// SPDX-License-Identifier: Apache-2.0
// client_kill: SIGKILLs the real lwm2mc-client process at random moments, again and again, and checks its state
// file after every kill. Bench (bench/client_kill.sh, 1,000+ kills) and CTest (50 kills).
//
// The client runs against the in-process test peers on loopback: a Bootstrap-Server whose script is Delete /,
// Write /0/1, Write /1/1, Bootstrap-Finish (a few milliseconds apart), and a LwM2M Server that writes attributes
// of /3/0/13, observes it (the observation is persisted) and executes the
// Bootstrap-Request Trigger /1/1/9 shortly after each Register, so that the client cycles through bootstrap and
// registration and a kill lands in every phase. Half of the kills are aimed at a running bootstrap (between its
// commands and before Finish), the others fall anywhere. The state directory is kept across kills: every start is a
// restart from what the previous kill left.
//
// After each kill:
//   1. the client process died of the SIGKILL (a client that exited on its own, e.g. on a damaged state, fails);
//   2. the state file loads with the library's own loader (StateStore::load: length, CRC-32, JSON, values);
//   3. it is the old or the new state, never a mix: the preload library state_journal_preload.so records the bytes
//      of every state just before its rename(2); the file must be byte for byte the last or the one before last
//      of those records (the last only, if the kill cut a record short), and what the loader returns must equal
//      that record decoded (PersistentState ==, so any field, observations included, is compared);
// and every --recover-every kills and at the end, the client is started without a kill and must reach Registered
// from the state it finds (--exit-when Registered).
//
// --torn-writes makes the preload library write the state file in place, in two halves (the store without its temp
// file and rename): the checks must then fail, which CTest asserts (a kill test that cannot fail proves nothing).
//
// Exit status: 0 all checks held (with --torn-writes: a check failed, as it must), 1 a check failed (with
// --torn-writes: none did), 2 bad options, 3 the environment failed.

#include "lwm2mc/client/store.hpp"
#include "lwm2mc/conformance/bootstrap_server.hpp"
#include "lwm2mc/conformance/lwm2m_server.hpp"
#include "lwm2mc/conformance/process.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace lwm2mc;
using namespace std::chrono_literals;
using conformance::BootstrapServer;
using conformance::Lwm2mServer;
using SteadyClock = std::chrono::steady_clock;

namespace {

struct Options {
    std::string client{};
    std::string preload{};
    unsigned kills{1000};
    unsigned seed{1};
    unsigned max_delay_ms{300};
    unsigned recover_every{100};
    std::string work{};
    bool keep{false};
    bool torn_writes{false};  ///< the preload replaces rename by a non-atomic copy: the checks must fail
    bool verbose{false};
};

const char* kUsage = "usage: client_kill --client PATH --preload PATH [--kills N] [--seed S] [--max-delay-ms MS] "
                     "[--recover-every N] [--work DIR] [--keep] [--verbose] [--torn-writes]\n";

std::optional<Options> parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= argc) {
                return std::nullopt;
            }
            return std::string{argv[++i]};
        };
        const auto number = [&](unsigned& field) {
            const auto v = value();
            if (!v) {
                return false;
            }
            try {
                field = static_cast<unsigned>(std::stoul(*v));
            } catch (const std::exception&) {
                return false;
            }
            return true;
        };
        bool ok = true;
        if (a == "--client") {
            const auto v = value();
            ok = v.has_value();
            o.client = v.value_or("");
        } else if (a == "--preload") {
            const auto v = value();
            ok = v.has_value();
            o.preload = v.value_or("");
        } else if (a == "--work") {
            const auto v = value();
            ok = v.has_value();
            o.work = v.value_or("");
        } else if (a == "--kills") {
            ok = number(o.kills);
        } else if (a == "--seed") {
            ok = number(o.seed);
        } else if (a == "--max-delay-ms") {
            ok = number(o.max_delay_ms);
        } else if (a == "--recover-every") {
            ok = number(o.recover_every);
        } else if (a == "--torn-writes") {
            o.torn_writes = true;
        } else if (a == "--keep") {
            o.keep = true;
        } else if (a == "--verbose") {
            o.verbose = true;
        } else {
            ok = false;
        }
        if (!ok) {
            std::cerr << "client_kill: bad option '" << a << "'\n" << kUsage;
            return std::nullopt;
        }
    }
    if (o.client.empty() || o.preload.empty() || o.kills == 0) {
        std::cerr << kUsage;
        return std::nullopt;
    }
    return o;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The journal's complete records, in order; `cut` is set when the last record is incomplete.
struct Journal {
    std::vector<std::string> records{};
    bool cut{false};
};

Journal read_journal(const fs::path& file) {
    Journal j;
    const std::string text = slurp(file);
    std::size_t pos = 0;
    static const std::string kTag = "LWM2MC-STATE ";
    while (pos < text.size()) {
        const auto eol = text.find('\n', pos);
        if (text.compare(pos, kTag.size(), kTag) != 0 || eol == std::string::npos) {
            j.cut = true;
            break;
        }
        std::size_t size = 0;
        try {
            size = std::stoul(text.substr(pos + kTag.size(), eol - pos - kTag.size()));
        } catch (const std::exception&) {
            j.cut = true;
            break;
        }
        if (eol + 1 + size + 1 > text.size() || text[eol + 1 + size] != '\n') {
            j.cut = true;
            break;
        }
        j.records.push_back(text.substr(eol + 1, size));
        pos = eol + 1 + size + 1;
    }
    return j;
}

enum class Phase : std::uint8_t { Starting, Bootstrap, BetweenWritesBeforeFinish, Registered };

const char* phase_name(Phase p) {
    switch (p) {
    case Phase::Starting:
        return "starting/registering";
    case Phase::Bootstrap:
        return "bootstrap (request or Delete /)";
    case Phase::BetweenWritesBeforeFinish:
        return "bootstrap (between writes, before Finish)";
    case Phase::Registered:
        return "registered";
    }
    return "?";
}

class Run {
public:
    explicit Run(Options o) : o_{std::move(o)}, rng_{o_.seed} {}

    int main() {
        if (o_.work.empty()) {
            char tmpl[] = "/tmp/lwm2mc-kill-XXXXXX";
            if (::mkdtemp(tmpl) == nullptr) {
                std::cerr << "client_kill: cannot create a work directory\n";
                return 3;
            }
            o_.work = tmpl;
        }
        work_ = o_.work;
        state_dir_ = work_ / "state";
        journal_ = work_ / "journal";
        fs::remove_all(state_dir_);
        fs::create_directories(state_dir_);
        fs::remove(journal_);
        fs::remove(work_ / "client.err");

        // The peers: a bootstrap script with a few milliseconds between its commands (the kill window), and a LwM2M
        // server that sends the client back into a bootstrap after each Register.
        bs_.set_script({BootstrapServer::delete_all(),
                        BootstrapServer::with_delay(BootstrapServer::write_security(1, uri(srv_), false, 1), 4ms),
                        BootstrapServer::with_delay(BootstrapServer::write_server(1, 1, 300), 4ms),
                        BootstrapServer::finish(4ms)});
        bs_.start();
        srv_.start();

        const auto started = SteadyClock::now();
        for (unsigned k = 1; k <= o_.kills && failures_ == 0; ++k) {
            kill_round(k);
            if (failures_ == 0 && o_.recover_every > 0 && k % o_.recover_every == 0 && k != o_.kills) {
                recovery_round();
            }
        }
        if (failures_ == 0) {
            recovery_round();
        }
        const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
        bs_.stop();
        srv_.stop();

        std::cout << "client_kill: " << kills_ << " kills of " << o_.client << " (seed " << o_.seed
                  << ", kill delay 0.." << o_.max_delay_ms << " ms or aimed at a bootstrap), " << seconds << " s\n";
        for (const auto& [phase, n] : by_phase_) {
            std::cout << "  killed while " << phase_name(phase) << ": " << n << '\n';
        }
        std::cout << "  mid-bootstrap kills (a Bootstrap-Request seen, no Finish answered yet): " << mid_bootstrap_
                  << '\n';
        std::cout << "  states written by the client (journal records): " << journal_records_ << '\n';
        std::cout << "  after a kill the file was the last journaled state: " << found_new_
                  << ", the state before it (killed between journal and rename): " << found_old_
                  << ", no state file yet: " << no_file_ << '\n';
        std::cout << "  kills in the middle of a save (a temp file was left; the file must be the old state): "
                  << mid_save_ << '\n';
        std::cout << "  kills after which the state file held an observation: " << with_observations_ << '\n';
        std::cout << "  restarts to Registered without a kill: " << recoveries_ << '\n';
        std::cout << "  failures: " << failures_ << '\n';
        const bool as_expected = o_.torn_writes ? failures_ > 0 : failures_ == 0;
        if (as_expected && !o_.keep) {
            std::error_code ec;
            fs::remove_all(work_, ec);
        } else {
            std::cout << "  work directory kept: " << work_ << '\n';
        }
        if (o_.torn_writes) {
            // The non-atomic store must be caught: that is this mode's success.
            std::cout << "client_kill: torn writes " << (failures_ > 0 ? "caught" : "NOT caught") << '\n';
            return failures_ > 0 ? 0 : 1;
        }
        return failures_ == 0 ? 0 : 1;
    }

private:
    static std::string uri(const conformance::Peer& p) {
        return "coap://127.0.0.1:" + std::to_string(p.endpoint().port);
    }

    std::vector<std::string> client_argv(bool until_registered) const {
        std::vector<std::string> argv{
            o_.client,  "-e",         kEndpoint,          "-b",   uri(bs_),           "-d", state_dir_.string(),
            "--config", "hold_off=0", "--ack-timeout-ms", "1000", "--max-retransmit", "1"};
        if (until_registered) {
            argv.insert(argv.end(), {"--exit-when", "Registered"});
        }
        return argv;
    }

    conformance::ClientProcessOptions process_options() const {
        conformance::ClientProcessOptions p;
        p.stderr_path = (work_ / "client.err").string();
        p.env = {{"LD_PRELOAD", o_.preload},
                 {"LWM2MC_STATE_JOURNAL", journal_.string()},
                 // An ASan build of the client would refuse a preload library that comes before its runtime.
                 {"ASAN_OPTIONS", "verify_asan_link_order=0"}};
        if (o_.torn_writes) {
            p.env.emplace_back("LWM2MC_STATE_TORN_WRITE", "1");
        }
        return p;
    }

    void fail(unsigned k, const std::string& what) {
        ++failures_;
        std::cout << "client_kill: FAIL at kill " << k << ": " << what << '\n';
        const auto err = slurp(work_ / "client.err");
        std::cout << "  last client stderr: " << err.substr(err.size() > 2000 ? err.size() - 2000 : 0) << '\n';
    }

    /// Sends /1/1/9 once per new Register of the current process, a little later.
    void trigger_bootstrap_after_register(SteadyClock::time_point round_start) {
        const auto regs = srv_.registration_requests();
        if (regs.size() <= triggered_after_) {
            return;
        }
        const auto& last = regs.back();
        triggered_after_ = regs.size();
        if (last.at < round_start || last.request.uri_path != std::vector<std::string>{"rd"} ||
            last.answer != client::code::kCreated) {
            return;
        }
        std::uniform_int_distribution<int> later(0, 30);
        try {
            // Attributes and an observation first, so that the state file holds them too when a kill lands
            // (the bootstrap that /1/1/9 starts drops them again, TS 1.0 5.5.1).
            (void)srv_.send_to_client(kEndpoint, Lwm2mServer::write_attributes("/3/0/13", {"pmin=0", "pmax=1"}));
            const auto n = static_cast<std::uint8_t>(triggered_after_ & 0xFFU);
            (void)srv_.observe(kEndpoint, "/3/0/13", {0x0b, 0x5e, n});
            (void)srv_.send_to_client(kEndpoint, Lwm2mServer::execute("/1/1/9"),
                                      std::chrono::milliseconds{later(rng_)});
        } catch (const std::exception&) {
            // no active registration after all: nothing to trigger
        }
    }

    Phase phase_now(SteadyClock::time_point round_start) {
        const auto requests = bs_.bootstrap_requests();
        const bool requested = !requests.empty() && requests.back().at >= round_start;
        if (requested && !bs_.script_finished()) {
            ++mid_bootstrap_;
            return bs_.script_results().empty() ? Phase::Bootstrap : Phase::BetweenWritesBeforeFinish;
        }
        const auto regs = srv_.registration_requests();
        for (auto it = regs.rbegin(); it != regs.rend() && it->at >= round_start; ++it) {
            if (it->answer == client::code::kCreated || it->answer == client::code::kChanged) {
                return Phase::Registered;
            }
        }
        return Phase::Starting;
    }

    void kill_round(unsigned k) {
        triggered_after_ = srv_.registration_requests().size();
        const auto bs_requests_before = bs_.bootstrap_requests().size();
        const auto round_start = SteadyClock::now();
        if (const auto error = proc_.start(client_argv(false), process_options())) {
            fail(k, "cannot start the client: " + *error);
            return;
        }
        std::bernoulli_distribution aim_at_bootstrap(0.5);
        std::uniform_int_distribution<unsigned> anywhere(0, o_.max_delay_ms);
        std::uniform_int_distribution<unsigned> in_bootstrap(0, 20);
        const bool aimed = aim_at_bootstrap(rng_);
        std::optional<SteadyClock::time_point> kill_at;
        if (!aimed) {
            kill_at = round_start + std::chrono::milliseconds{anywhere(rng_)};
        }
        const auto give_up = round_start + 6s;
        while (true) {
            const auto now = SteadyClock::now();
            if (kill_at && now >= *kill_at) {
                break;
            }
            if (!kill_at && (bs_.bootstrap_requests().size() > bs_requests_before || now >= give_up)) {
                kill_at = now + std::chrono::milliseconds{in_bootstrap(rng_)};
            }
            if (!proc_.running()) {
                break;  // exited on its own: reported below
            }
            trigger_bootstrap_after_register(round_start);
            std::this_thread::sleep_for(200us);
        }
        const Phase phase = phase_now(round_start);
        proc_.kill();
        ++kills_;
        ++by_phase_[phase];
        const auto status = proc_.exit_status();
        if (status != 128 + SIGKILL) {
            fail(k, "the client exited on its own with status " + (status ? std::to_string(*status) : "?") +
                        " instead of dying of the SIGKILL");
            return;
        }
        check_state(k, phase);
    }

    void check_state(unsigned k, Phase phase) {
        const Journal j = read_journal(journal_);
        journal_records_ += j.records.size() - std::min(carried_, j.records.size());
        const fs::path file = state_dir_ / "state.lwm2mc";
        // A temp file left behind: the kill came in the middle of a save (write, fsync or before the rename).
        bool saving = false;
        for (const auto& entry : fs::directory_iterator(state_dir_)) {
            saving = saving || entry.path().filename().string().rfind("state.lwm2mc.tmp", 0) == 0;
        }
        if (saving) {
            ++mid_save_;
        }
        std::optional<client::PersistentState> loaded;
        try {
            loaded = client::StateStore{state_dir_}.load();
        } catch (const client::StoreError& e) {
            fail(k, std::string{"the state file does not load: "} + e.what());
            return;
        }
        const auto n = j.records.size();
        if (!loaded) {
            // Only before the first rename: no record, or one whose rename the kill prevented.
            if (n > 1 || (n == 1 && fs::exists(file))) {
                fail(k, "no state although " + std::to_string(n) + " states were committed");
                return;
            }
            ++no_file_;
            std::ofstream(journal_, std::ios::binary | std::ios::trunc);  // the record's rename never ran
            carried_ = 0;
            return;
        }
        if (!loaded->observations.empty()) {
            ++with_observations_;
        }
        const std::string bytes = slurp(file);
        std::optional<std::size_t> match;
        if (n >= 1 && bytes == j.records[n - 1]) {
            match = n - 1;
            ++found_new_;
        } else if (!j.cut && n >= 2 && bytes == j.records[n - 2]) {
            match = n - 2;
            ++found_old_;
        } else if (j.cut && n >= 1) {
            fail(k, "a journal record was cut short (no rename) but the file is not the last committed state");
            return;
        } else {
            fail(k, "the state file is neither the last nor the one before last committed state (" + std::to_string(n) +
                        " committed)");
            return;
        }
        try {
            if (client::decode_state(j.records[*match]) != *loaded) {
                fail(k, "the loader returned something else than the committed state");
                return;
            }
        } catch (const client::StoreError& e) {
            fail(k, std::string{"a committed state does not decode: "} + e.what());
            return;
        }
        if (o_.verbose) {
            std::cout << "kill " << k << ": " << phase_name(phase) << ", state " << *match + 1 << " of " << n << '\n';
        }
        // The journal restarts from the state on disk: the next process appends to it (after a cut record too).
        std::ofstream(journal_, std::ios::binary | std::ios::trunc)
            << "LWM2MC-STATE " << j.records[*match].size() << '\n'
            << j.records[*match] << '\n';
        carried_ = 1;
    }

    void recovery_round() {
        if (const auto error = proc_.start(client_argv(true), process_options())) {
            fail(kills_, "cannot start the client: " + *error);
            return;
        }
        const auto give_up = SteadyClock::now() + 20s;
        while (proc_.running() && SteadyClock::now() < give_up) {
            std::this_thread::sleep_for(1ms);
        }
        proc_.kill();
        const auto status = proc_.exit_status();
        if (status != 0) {
            fail(kills_, "restarted without a kill, the client did not reach Registered (status " +
                             (status ? std::to_string(*status) : "?") + ")");
            return;
        }
        ++recoveries_;
        check_state(kills_, Phase::Registered);
    }

    static constexpr const char* kEndpoint = "kill-ep";
    Options o_;
    std::mt19937 rng_;
    fs::path work_{};
    fs::path state_dir_{};
    fs::path journal_{};
    BootstrapServer bs_{};
    Lwm2mServer srv_{};
    conformance::ClientProcess proc_{};
    std::size_t triggered_after_{0};
    unsigned kills_{0};
    unsigned failures_{0};
    unsigned mid_bootstrap_{0};
    unsigned found_new_{0};
    unsigned found_old_{0};
    unsigned no_file_{0};
    unsigned recoveries_{0};
    unsigned mid_save_{0};
    unsigned with_observations_{0};   ///< kills after which the state file held an observation
    std::size_t journal_records_{0};  ///< states journaled by the client processes (committed or about to be)
    std::size_t carried_{0};          ///< records at the head of the journal that the last check carried over
    std::map<Phase, unsigned> by_phase_{};
};

}  // namespace

int main(int argc, char** argv) {
    const auto options = parse(argc, argv);
    if (!options) {
        return 2;
    }
    try {
        Run run{*options};
        return run.main();
    } catch (const std::exception& e) {
        std::cerr << "client_kill: " << e.what() << '\n';
        return 3;
    }
}
