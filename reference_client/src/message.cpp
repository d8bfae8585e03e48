// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/client/message.hpp"

#include "lwm2mc/client/transport.hpp"

namespace lwm2mc::client {

std::string code_to_string(Code c) {
    std::string out;
    out += static_cast<char>('0' + (c >> 5U));
    out += '.';
    const unsigned detail = c & 0x1FU;
    out += static_cast<char>('0' + detail / 10);
    out += static_cast<char>('0' + detail % 10);
    return out;
}

std::string to_string(const Endpoint& e) {
    const std::string scheme = e.secure ? "coaps://" : "";
    if (e.host.find(':') != std::string::npos) {
        return scheme + "[" + e.host + "]:" + std::to_string(e.port);
    }
    return scheme + e.host + ":" + std::to_string(e.port);
}

std::string path_to_string(const std::vector<std::string>& segments) {
    if (segments.empty()) {
        return "/";
    }
    std::string out;
    for (const auto& s : segments) {
        out += '/';
        out += s;
    }
    return out;
}

const char* send_failure_name(SendFailure f) {
    switch (f) {
    case SendFailure::Timeout:
        return "timeout";
    case SendFailure::Reset:
        return "reset";
    case SendFailure::Unreachable:
        return "unreachable";
    case SendFailure::Cancelled:
        return "cancelled";
    case SendFailure::Handshake:
        return "handshake failed";
    }
    return "unknown";
}

}  // namespace lwm2mc::client
