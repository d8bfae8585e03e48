// SPDX-License-Identifier: Apache-2.0
#pragma once

// Drives several CoapTransports on the test thread: the loop of the loopback transport tests.

#include "lwm2mc/client/transport_coap.hpp"

#include <chrono>
#include <functional>
#include <initializer_list>

namespace lwm2mc::test_net {

/// Polls every transport in turn until `done` holds or `timeout` (real time) passes; returns whether it held.
inline bool pump(std::initializer_list<client::CoapTransport*> transports, const std::function<bool()>& done,
                 std::chrono::milliseconds timeout = std::chrono::milliseconds{3000}) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        for (auto* t : transports) {
            t->poll(std::chrono::milliseconds{2});
        }
    }
    return true;
}

}  // namespace lwm2mc::test_net
