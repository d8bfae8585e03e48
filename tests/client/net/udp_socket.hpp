// SPDX-License-Identifier: Apache-2.0
#pragma once

// A raw UDP socket on 127.0.0.1 for tests that must see or forge exact datagrams (no libcoap involved).

#include <arpa/inet.h>
#include <chrono>
#include <cstdint>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace lwm2mc::test_net {

struct Datagram {
    std::vector<std::uint8_t> bytes{};
    std::uint16_t from_port{0};
};

class UdpSocket {
public:
    /// Binds 127.0.0.1 on an ephemeral port.
    UdpSocket() {
        fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
        if (fd_ < 0) {
            throw std::runtime_error("socket failed");
        }
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(fd_);
            throw std::runtime_error("bind failed");
        }
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
    }
    ~UdpSocket() { close(); }
    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;

    std::uint16_t port() const { return port_; }
    void close() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

    void send_to(std::uint16_t port, const std::vector<std::uint8_t>& bytes) const {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        if (::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
            throw std::runtime_error("sendto failed");
        }
    }

    /// The next datagram within `timeout`, or nullopt.
    std::optional<Datagram> receive(std::chrono::milliseconds timeout) const {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
            return std::nullopt;
        }
        std::vector<std::uint8_t> buf(65536);
        sockaddr_in from{};
        socklen_t len = sizeof from;
        const auto n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) {
            return std::nullopt;
        }
        buf.resize(static_cast<std::size_t>(n));
        return Datagram{std::move(buf), ntohs(from.sin_port)};
    }

private:
    int fd_{-1};
    std::uint16_t port_{0};
};

/// A port on 127.0.0.1 where nothing listens (bound, read back, closed). Another process could take it in
/// between; the tests that use it only need it to be closed for a second.
inline std::uint16_t closed_udp_port() {
    UdpSocket s;
    return s.port();
}

}  // namespace lwm2mc::test_net
