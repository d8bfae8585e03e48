// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/clock.hpp"

#include <cmath>
#include <stdexcept>

namespace lwm2mc::client {

SteadyClock::SteadyClock() : origin_{std::chrono::steady_clock::now()} {}

Millis SteadyClock::now() const {
    return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - origin_);
}

ScaledClock::ScaledClock(double factor) : factor_{factor}, origin_{std::chrono::steady_clock::now()} {
    if (!(factor > 0.0) || !std::isfinite(factor)) {
        throw std::invalid_argument("clock factor must be a positive number");
    }
}

Millis ScaledClock::now() const {
    const auto real = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - origin_);
    return Millis{static_cast<Millis::rep>(real.count() * factor_)};
}

Millis ScaledClock::real_wait(Millis protocol_duration) const {
    if (protocol_duration.count() <= 0) {
        return Millis{0};
    }
    const double real = static_cast<double>(protocol_duration.count()) / factor_;
    return Millis{static_cast<Millis::rep>(std::ceil(real))};
}

}  // namespace lwm2mc::client
