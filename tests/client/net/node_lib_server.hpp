// SPDX-License-Identifier: Apache-2.0
#pragma once

// Spawns lwm2m-node-lib@1.4.0's LwM2M server (tests/interop/node_lib_server.js) for interop tests and reads
// its JSON-lines events. Reusable by any test executable that links nlohmann_json:
//
//   if (auto why = NodeLibServer::unavailable_reason(LWM2MC_INTEROP_DIR)) GTEST_SKIP() << *why;
//   NodeLibServer node(LWM2MC_INTEROP_DIR);            // picks a free port, waits for {"event":"ready"}
//   ... register a client at node.endpoint() ...
//   auto reg = node.wait_for_event("registration", 5s); // nlohmann::json or nullopt
//   node.send_command({{"cmd", "read"}, {"tag", "r1"}, {"endpoint", "node1"}, {"object", 3}, {"instance", 0},
//                      {"resource", 0}});               // node-lib reads /3/0/0 from the client
//   auto result = node.wait_for_event("result", 5s);     // {"tag":"r1","error":null,"result":"..."}
//
// The child gets a pipe as stdin and exits when it closes, so it never outlives the test process; the
// destructor also sends SIGTERM to the child (by its pid) and reaps it.

#include "lwm2mc/client/message.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "udp_socket.hpp"

extern char** environ;

namespace lwm2mc::test_net {

class NodeLibServer {
public:
    /// Why the server cannot run here (no `node` on PATH, no node_modules under `interop_dir`), or nullopt.
    static std::optional<std::string> unavailable_reason(const std::string& interop_dir) {
        if (!find_node()) {
            return "node is not on PATH (install nodejs; CI does)";
        }
        struct stat st {};
        const std::string pkg = interop_dir + "/node_modules/lwm2m-node-lib/package.json";
        if (::stat(pkg.c_str(), &st) != 0) {
            return "lwm2m-node-lib is not installed: run 'npm ci' in " + interop_dir + " (scripts/run.sh does)";
        }
        return std::nullopt;
    }

    /// Starts the server on a free UDP port of 127.0.0.1 and waits for its "ready" line. Throws
    /// std::runtime_error when it does not get ready within `ready_timeout` (three ports are tried).
    explicit NodeLibServer(const std::string& interop_dir,
                           std::chrono::milliseconds ready_timeout = std::chrono::seconds{15}) {
        std::string last_error;
        for (int attempt = 0; attempt < 3; ++attempt) {
            const std::uint16_t port = closed_udp_port();
            spawn(interop_dir, port);
            if (auto ready = wait_for_event("ready", ready_timeout)) {
                port_ = port;
                return;
            }
            last_error = "no 'ready' line from node_lib_server.js on port " + std::to_string(port);
            terminate();
        }
        throw std::runtime_error(last_error);
    }

    ~NodeLibServer() { terminate(); }
    NodeLibServer(const NodeLibServer&) = delete;
    NodeLibServer& operator=(const NodeLibServer&) = delete;

    client::Endpoint endpoint() const { return client::Endpoint{"127.0.0.1", port_}; }
    pid_t pid() const { return pid_; }

    /// The next event named `event` not yet returned by an earlier call (events are kept in order), or
    /// nullopt after `timeout`.
    std::optional<nlohmann::json> wait_for_event(const std::string& event, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            for (std::size_t i = 0; i < events_.size(); ++i) {
                if (!taken_[i] && events_[i].value("event", "") == event) {
                    taken_[i] = true;
                    return events_[i];
                }
            }
            // A zero timeout still reads what is already there.
            const auto left = std::max(
                std::chrono::milliseconds{0},
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
            if (!read_lines(left)) {
                return std::nullopt;
            }
        }
    }

    /// Sends one command line to the script (see node_lib_server.js: read, write, execute towards a registered
    /// client); its answer arrives as a "result" event with the same "tag".
    void send_command(const nlohmann::json& command) {
        const std::string line = command.dump() + "\n";
        std::size_t done = 0;
        while (done < line.size()) {
            const auto n = ::write(stdin_fd_, line.data() + done, line.size() - done);
            if (n <= 0) {
                throw std::runtime_error("cannot write to node_lib_server.js");
            }
            done += static_cast<std::size_t>(n);
        }
    }

    /// Every event line received so far.
    const std::vector<nlohmann::json>& events() const { return events_; }

private:
    static std::optional<std::string> find_node() {
        const char* path = std::getenv("PATH");
        std::string p = path != nullptr ? path : "/usr/bin:/bin";
        std::size_t start = 0;
        while (start <= p.size()) {
            const auto colon = p.find(':', start);
            const std::string dir = p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
            const std::string candidate = (dir.empty() ? "." : dir) + "/node";
            if (::access(candidate.c_str(), X_OK) == 0) {
                return candidate;
            }
            if (colon == std::string::npos) {
                break;
            }
            start = colon + 1;
        }
        return std::nullopt;
    }

    void spawn(const std::string& interop_dir, std::uint16_t port) {
        // send_command writes to the child's stdin: a child that died must not kill the test with SIGPIPE.
        ::signal(SIGPIPE, SIG_IGN);
        const auto node = find_node();
        if (!node) {
            throw std::runtime_error("node is not on PATH");
        }
        int out[2];
        int in[2];
        if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(in, O_CLOEXEC) != 0) {
            throw std::runtime_error("pipe2 failed");
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        // node-lib prints "circular dependency" warnings on stderr under Node 20: not interesting.
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        const std::string script = interop_dir + "/node_lib_server.js";
        const std::string port_arg = std::to_string(port);
        std::vector<char*> argv{const_cast<char*>(node->c_str()), const_cast<char*>(script.c_str()),
                                const_cast<char*>(port_arg.c_str()), nullptr};
        const int rc = posix_spawn(&pid_, node->c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        ::close(in[0]);
        if (rc != 0) {
            ::close(out[0]);
            ::close(in[1]);
            pid_ = -1;
            throw std::runtime_error("posix_spawn node failed");
        }
        stdout_fd_ = out[0];
        stdin_fd_ = in[1];
        buffer_.clear();
        events_.clear();
        taken_.clear();
    }

    /// Reads what the child printed within `timeout`; false on timeout or end of file.
    bool read_lines(std::chrono::milliseconds timeout) {
        pollfd p{stdout_fd_, POLLIN, 0};
        if (stdout_fd_ < 0 || ::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
            return false;
        }
        char chunk[4096];
        const auto n = ::read(stdout_fd_, chunk, sizeof chunk);
        if (n <= 0) {
            return false;
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
        std::size_t nl = 0;
        while ((nl = buffer_.find('\n')) != std::string::npos) {
            const std::string line = buffer_.substr(0, nl);
            buffer_.erase(0, nl + 1);
            auto parsed = nlohmann::json::parse(line, nullptr, false);
            if (!parsed.is_discarded() && parsed.is_object()) {
                events_.push_back(std::move(parsed));
                taken_.push_back(false);
            }
        }
        return true;
    }

    void terminate() {
        if (stdin_fd_ >= 0) {
            ::close(stdin_fd_);
            stdin_fd_ = -1;
        }
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            bool reaped = false;
            for (int i = 0; i < 200 && !reaped; ++i) {
                reaped = ::waitpid(pid_, &status, WNOHANG) == pid_;
                if (!reaped) {
                    std::this_thread::sleep_for(std::chrono::milliseconds{10});
                }
            }
            if (!reaped) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
            }
            pid_ = -1;
        }
        if (stdout_fd_ >= 0) {
            ::close(stdout_fd_);
            stdout_fd_ = -1;
        }
    }

    pid_t pid_{-1};
    int stdout_fd_{-1};
    int stdin_fd_{-1};
    std::uint16_t port_{0};
    std::string buffer_{};
    std::vector<nlohmann::json> events_{};
    std::vector<bool> taken_{};
};

}  // namespace lwm2mc::test_net
