// SPDX-License-Identifier: Apache-2.0
#pragma once

// Every lifecycle timer of the client (ClientHoldOffTime, lifetime, EXCHANGE_LIFETIME, retry and sequence
// delays) is read from an injectable clock, so that tests can run 247 s or 86400 s in milliseconds.

#include <chrono>

namespace lwm2mc::client {

/// Protocol time in milliseconds since an arbitrary origin.
using Millis = std::chrono::milliseconds;

class Clock {
public:
    virtual ~Clock() = default;
    /// Current protocol time; monotonic.
    virtual Millis now() const = 0;
    /// How long to wait in real time until `protocol_duration` of protocol time has passed.
    virtual Millis real_wait(Millis protocol_duration) const = 0;
};

/// Real monotonic time (std::chrono::steady_clock), counted from the clock's construction.
class SteadyClock final : public Clock {
public:
    SteadyClock();
    Millis now() const override;
    Millis real_wait(Millis protocol_duration) const override { return protocol_duration; }

private:
    std::chrono::steady_clock::time_point origin_{};
};

/// Real time sped up by `factor` (factor 1000: one protocol second per real millisecond).
class ScaledClock final : public Clock {
public:
    explicit ScaledClock(double factor);
    Millis now() const override;
    Millis real_wait(Millis protocol_duration) const override;

private:
    double factor_{1.0};
    std::chrono::steady_clock::time_point origin_{};
};

/// Time that moves only when a test calls `advance`.
class ManualClock final : public Clock {
public:
    Millis now() const override { return now_; }
    Millis real_wait(Millis) const override { return Millis{0}; }
    void advance(Millis d) { now_ += d; }
    void set(Millis t) { now_ = t; }

private:
    Millis now_{0};
};

}  // namespace lwm2mc::client
