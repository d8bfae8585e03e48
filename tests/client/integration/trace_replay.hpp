// SPDX-License-Identifier: Apache-2.0
#pragma once

// Replays a client's JSON-lines trace on the shipped model under the client's configuration: the check every
// loopback integration test makes of its run (tests only: the client library never links the model).

#include "lwm2mc/client/config.hpp"
#include "lwm2mc/model/interpreter.hpp"
#include "lwm2mc/model/loader.hpp"
#include "lwm2mc/model/replay.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace lwm2mc::client::testing {

/// The shipped model (model/specs/lwm2m-ts10-draft.lwm2m), loaded once.
inline const model::Model& shipped() {
    static const model::Model m = [] {
        auto r = model::load_model(std::string(LWM2MC_SPECS_DIR) + "/lwm2m-ts10-draft.lwm2m");
        if (!r.ok()) {
            throw std::runtime_error("the shipped model does not load");
        }
        return std::move(*r.model);
    }();
    return m;
}

/// Replays `trace` on the shipped model with the model parameters of `config`. A trace that does not parse is a
/// test failure (and an empty result).
inline model::ReplayResult replay_trace(const ClientConfig& config, const std::string& trace) {
    const auto b = [](bool v) { return std::string{v ? "true" : "false"}; };
    const model::Interpreter interp{shipped()};
    std::string error;
    auto fixed = interp.parse_assignment("factory=" + b(config.factory) + ",smartcard=" + b(config.smartcard) +
                                             ",client_initiated=" + b(config.client_initiated) +
                                             ",server_initiated=" + b(config.server_initiated) +
                                             ",supports_factory_reset=" + b(config.supports_factory_reset) +
                                             ",hold_off=" + std::to_string(config.hold_off),
                                         error);
    EXPECT_EQ(error, "");
    model::Configuration c;
    for (const auto& v : fixed) {
        c.values.push_back(v.value_or(0));
    }
    auto parsed = model::parse_trace(trace);
    if (auto* e = std::get_if<std::string>(&parsed)) {
        ADD_FAILURE() << "trace does not parse: " << *e;
        return {};
    }
    return model::replay(shipped(), c, std::get<std::vector<model::Observation>>(parsed));
}

/// Expects the trace to be a run of the model, printing the divergence and the trace when it is not.
inline void expect_trace_conforms(const ClientConfig& config, const std::string& trace) {
    const auto r = replay_trace(config, trace);
    EXPECT_TRUE(r.ok()) << "line " << (r.divergence ? r.divergence->line : 0) << ": "
                        << (r.divergence ? r.divergence->message : std::string{"no replay"}) << "\n"
                        << trace;
}

}  // namespace lwm2mc::client::testing
