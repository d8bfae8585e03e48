// SPDX-License-Identifier: Apache-2.0
#pragma once

// Progress lines and the whole-run deadline of an engine (CheckOptions::progress,
// progress_after_ms, time_limit_ms), shared by the engines.

#include "lwm2mc/checker/check.hpp"

#include <fmt/format.h>

#include <chrono>
#include <string>

namespace lwm2mc::checker {

class Progress {
public:
    Progress(const CheckOptions& options, std::string engine) : options_{options}, engine_{std::move(engine)} {}

    /// Shows "lwm2mc: <engine>: <line> (<seconds> s)" once the run is older than
    /// progress_after_ms, at most once a second; `line` is only built when it will be shown.
    template <class F>
    void report(F&& line) {
        auto now = Clock::now();
        if (now - start_ < std::chrono::milliseconds(options_.progress_after_ms) ||
            (shown_ && now - last_ < kInterval)) {
            return;
        }
        shown_ = true;
        last_ = now;
        detail::progress_line(options_, fmt::format("lwm2mc: {}: {} ({:.1f} s)", engine_, line(), seconds()));
    }

    /// Whether CheckOptions::time_limit_ms (0: none) has passed since the run started.
    bool past_deadline() const {
        return options_.time_limit_ms != 0 &&
               Clock::now() - start_ >= std::chrono::milliseconds(options_.time_limit_ms);
    }

    double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

private:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds kInterval{1};

    const CheckOptions& options_;
    std::string engine_;
    Clock::time_point start_{Clock::now()};
    Clock::time_point last_{};
    bool shown_{false};
};

}  // namespace lwm2mc::checker
