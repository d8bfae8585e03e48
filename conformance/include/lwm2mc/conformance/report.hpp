// SPDX-License-Identifier: Apache-2.0
#pragma once

// The result of a conformance run (a suite played against a client, or a capture checked) as data, and its
// renderings: terminal text, JSON (format lwm2mc-conform/1, docs/conformance.md) and JUnit XML (one <testcase>
// per test case, so that CI systems show it).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lwm2mc::conformance {

enum class Verdict : std::uint8_t {
    Pass,
    Fail,          ///< the client did what the model does not allow there (or stayed silent past the bound)
    Inconclusive,  ///< the client chose a branch the test could not continue
    Error,         ///< the tester could not run the case (client did not start, bad suite); not the client's fault
};

std::string_view verdict_name(Verdict v);  ///< "pass", "fail", "inconclusive", "error"

/// Why a case failed: the model step, what the client did, what the model allowed there, the CoAP exchange and
/// the model's source lines.
struct Failure {
    std::string where{};                 ///< "step 4" or "step 4 > alternative 1 > then 0"; "packet 17" for a capture
    std::string expected{};              ///< the planned model step, e.g. "RegPending --reg_created--> Registered"
    std::string observed{};              ///< what the client did: "sent Bootstrap-Request POST /bs?ep=node after 3.2 s"
    std::vector<std::string> allowed{};  ///< what the model allowed there, one line per option
    std::vector<std::string> exchange{};  ///< the CoAP messages around the failure, one line each
    std::vector<std::string> source{};    ///< "lwm2m-ts10-draft.lwm2m:129: BsHoldOff + hold_off_expired ..." lines
    std::int64_t t_ms{0};                 ///< protocol time of the failure since the case started
};

struct CaseReport {
    std::string suite{};  ///< "class 1: factory=true, smartcard=false, ..." or the capture file
    std::string name{};   ///< "case 1"
    Verdict verdict{Verdict::Pass};
    std::string reason{};  ///< one line for fail, inconclusive and error; empty for pass
    std::optional<Failure> failure{};
    std::vector<std::string> log{};  ///< one line per step played / event observed
    std::size_t steps_planned{0};
    std::size_t steps_played{0};
    double seconds{0.0};              ///< real time the case took
    std::string client_output_dir{};  ///< where the client's stdout/stderr of this case were kept (empty: none)
};

struct RunReport {
    std::string model{};   ///< the model's name
    std::string input{};   ///< the suite file or capture file
    std::string mode{};    ///< "suite" or "capture"
    std::string client{};  ///< the client command template (suite mode)
    std::vector<CaseReport> cases{};
    /// Model transitions the run exercised, with how often ("RegPending+reg_created->Registered" names as in
    /// the suite format), and the transitions of the model it never fired.
    std::map<std::string, std::size_t> exercised{};
    std::vector<std::string> never_fired{};
    std::vector<std::string> notes{};  ///< skipped packets, unknown messages, ... one line each
    double seconds{0.0};

    std::size_t count(Verdict v) const;
    /// True when no case failed or errored.
    bool passed() const;
};

std::string render_text(const RunReport& report);
std::string render_json(const RunReport& report);   ///< lwm2mc-conform/1, pretty-printed
std::string render_junit(const RunReport& report);  ///< JUnit XML: <testsuites><testsuite name=suite>...

}  // namespace lwm2mc::conformance
