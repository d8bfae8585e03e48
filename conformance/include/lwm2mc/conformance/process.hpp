// SPDX-License-Identifier: Apache-2.0
#pragma once

// The LwM2M client under test as an operating-system process (POSIX; Linux): its command line built from the
// user's template, started in its own process group with its output kept in files, killed as a whole group and
// reaped, and restarted for power cycles with its state directory kept or wiped.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <variant>
#include <vector>

namespace lwm2mc::conformance {

/// Splits a command template into argv the way a POSIX shell splits words, without running a shell:
/// whitespace separates words; '...' is literal; "..." is literal except for the escapes \" \\ \$ (any other
/// backslash stays); a backslash outside quotes takes the next character literally; `{name}` is replaced by
/// values.at(name) inside or outside quotes, and the substituted text is never split; `{{` and `}}` are
/// literal braces. An empty pair of quotes makes an empty word.
/// Returns the argv, or an error message "column N: ..." (1-based) for an unknown placeholder, an unclosed
/// quote or brace, a stray '}', a trailing backslash or an empty command.
std::variant<std::vector<std::string>, std::string> expand_command(std::string_view templ,
                                                                   const std::map<std::string, std::string>& values);

/// The placeholder names the template uses, in order of first use, each once, up to the first syntax error
/// (expand_command reports that).
std::vector<std::string> placeholders(std::string_view templ);

/// Removes everything inside the directory `path` but keeps the directory itself (creating it if missing).
/// Returns an error message, or an empty optional on success.
std::optional<std::string> wipe_directory(const std::string& path);

struct ClientProcessOptions {
    std::string stdout_path{};  ///< the child's stdout is appended here (created if missing); empty: /dev/null
    std::string stderr_path{};  ///< the child's stderr is appended here (created if missing); empty: /dev/null
    std::vector<std::pair<std::string, std::string>> env{};  ///< added to (or replacing in) the inherited environment
    std::string working_dir{};                               ///< the child's working directory; empty: inherited
};

/// One client process and its process group. The child runs in a new process group (its pid is the group id),
/// with stdin from /dev/null, so kill() reaches whatever the client forks too.
///
/// A child that exits on its own stays a zombie until kill(), terminate(), start() or the destructor reaps it:
/// its pid then still names the group, so killing what it left behind can never hit an unrelated process.
///
/// The first start() makes the calling process a child subreaper (Linux prctl PR_SET_CHILD_SUBREAPER): the
/// client's orphaned descendants are reparented to it rather than to init (which, as PID 1 of a container, may
/// never reap them), and kill() reaps them. Descendants that leave the group (setsid, setpgid) are out of reach.
///
/// Thread-safety: none. One owner thread calls every member (the tester's case runner). The destructor kills
/// the group. A restart (power cycle) is kill() then start() again.
class ClientProcess {
public:
    ClientProcess() = default;
    ClientProcess(const ClientProcess&) = delete;
    ClientProcess& operator=(const ClientProcess&) = delete;
    ~ClientProcess();

    /// Starts argv[0] (looked up in PATH if it has no '/') with the arguments argv[1..]. Returns an error
    /// message when the process is still running, argv is empty, an output file cannot be opened, the working
    /// directory cannot be entered, or exec fails (the child's errno comes back through a close-on-exec pipe,
    /// so a missing program is reported here, not as a silent exit 127). A previous, exited child is reaped
    /// (with its group killed) and its status forgotten.
    std::optional<std::string> start(const std::vector<std::string>& argv, const ClientProcessOptions& options);

    /// SIGKILL to the whole process group, then reaps the child (blocks until it is gone). Also clears the group
    /// of a child that has exited on its own. No-op when nothing unreaped is left. Background grandchildren are
    /// killed and reaped too (see the subreaper note above).
    void kill();

    /// SIGTERM to the whole process group; SIGKILL to the group if the child has not exited after `grace`.
    /// Reaps the child.
    void terminate(std::chrono::milliseconds grace);

    /// Whether the child has been started and not yet exited. Never blocks.
    bool running();

    /// The exit status once the child has exited and been reaped: its exit code, or 128 + the signal number
    /// when a signal ended it (137 after kill()). Empty while running or when never started.
    std::optional<int> exit_status();

    /// The child's pid (which is also its process group id), or -1 when none has been started.
    pid_t pid() const { return pid_; }

private:
    void reap();

    pid_t pid_{-1};
    bool reaped_{true};
    std::optional<int> status_{};
};

}  // namespace lwm2mc::conformance
