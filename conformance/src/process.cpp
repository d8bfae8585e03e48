// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/conformance/process.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;  // POSIX: the application declares it (unistd.h does only under _GNU_SOURCE)

namespace lwm2mc::conformance {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string at_column(std::size_t index, const std::string& message) {
    return "column " + std::to_string(index + 1) + ": " + message;
}

/// A placeholder's value, or (ok == false) an error message without the column.
struct Resolution {
    bool ok;
    std::string text;
};
using Resolver = std::function<Resolution(const std::string& name)>;

/// The one tokenizer behind expand_command and placeholders.
std::variant<std::vector<std::string>, std::string> split_words(std::string_view t, const Resolver& resolve) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;  // a word has started (an empty '' or "" starts one too)

    // Reads `{name}` at t[i] == '{' (not '{{'); appends the value; returns the error or advances i past '}'.
    auto placeholder = [&](std::size_t& i) -> std::optional<std::string> {
        const auto close = t.find('}', i + 1);
        const auto bad = t.find_first_of("{\"' \t\n\r\v\f", i + 1);
        if (close == std::string_view::npos || (bad != std::string_view::npos && bad < close)) {
            return at_column(i, "unclosed '{' (write '{{' for a literal brace)");
        }
        const std::string name{t.substr(i + 1, close - i - 1)};
        if (name.empty()) {
            return at_column(i, "empty placeholder '{}'");
        }
        const auto value = resolve(name);
        if (!value.ok) {
            return at_column(i, value.text);
        }
        word += value.text;
        i = close + 1;
        return std::nullopt;
    };
    // Handles '{', '{{', '}}' and a stray '}' at t[i]; returns true when it consumed something.
    auto brace = [&](std::size_t& i, std::optional<std::string>& error) -> bool {
        const char c = t[i];
        if (c != '{' && c != '}') {
            return false;
        }
        if (i + 1 < t.size() && t[i + 1] == c) {
            word += c;
            i += 2;
            return true;
        }
        if (c == '}') {
            error = at_column(i, "unmatched '}' (write '}}' for a literal brace)");
            return true;
        }
        error = placeholder(i);
        return true;
    };

    std::size_t i = 0;
    while (i < t.size()) {
        const char c = t[i];
        std::optional<std::string> error;
        if (is_space(c)) {
            if (in_word) {
                words.push_back(std::move(word));
                word.clear();
                in_word = false;
            }
            ++i;
            continue;
        }
        in_word = true;
        if (c == '\\') {
            if (i + 1 >= t.size()) {
                return at_column(i, "backslash at the end of the command");
            }
            word += t[i + 1];
            i += 2;
        } else if (c == '\'') {
            const auto open = i++;
            for (;;) {
                if (i >= t.size()) {
                    return at_column(open, "unclosed single quote");
                }
                if (t[i] == '\'') {
                    ++i;
                    break;
                }
                if (brace(i, error)) {
                    if (error) {
                        return *error;
                    }
                    continue;
                }
                word += t[i++];
            }
        } else if (c == '"') {
            const auto open = i++;
            for (;;) {
                if (i >= t.size()) {
                    return at_column(open, "unclosed double quote");
                }
                if (t[i] == '"') {
                    ++i;
                    break;
                }
                if (t[i] == '\\' && i + 1 < t.size() && (t[i + 1] == '"' || t[i + 1] == '\\' || t[i + 1] == '$')) {
                    word += t[i + 1];
                    i += 2;
                    continue;
                }
                if (brace(i, error)) {
                    if (error) {
                        return *error;
                    }
                    continue;
                }
                word += t[i++];
            }
        } else if (brace(i, error)) {
            if (error) {
                return *error;
            }
        } else {
            word += c;
            ++i;
        }
    }
    if (in_word) {
        words.push_back(std::move(word));
    }
    if (words.empty()) {
        return at_column(0, "empty command");
    }
    return words;
}

std::string errno_text(int err) {
    return std::strerror(err);
}

/// Where execve will find argv[0]: as given when it contains '/', else the first executable file in PATH
/// (falling back to the bare name, whose execve then fails with ENOENT and is reported as such).
std::string resolve_program(const std::string& name, const std::string& path_var) {
    if (name.find('/') != std::string::npos) {
        return name;
    }
    std::size_t start = 0;
    while (start <= path_var.size()) {
        const auto colon = path_var.find(':', start);
        const auto end = colon == std::string::npos ? path_var.size() : colon;
        std::string dir = path_var.substr(start, end - start);
        if (dir.empty()) {
            dir = ".";  // POSIX: an empty PATH entry is the current directory
        }
        std::string candidate = dir + "/" + name;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
        if (colon == std::string::npos) {
            break;
        }
        start = colon + 1;
    }
    return name;
}

/// An fd closed when the scope ends (parent side of start()).
class Fd {
public:
    explicit Fd(int fd = -1) : fd_{fd} {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    int get() const { return fd_; }
    void reset(int fd = -1) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = fd;
    }

private:
    int fd_{-1};
};

std::variant<int, std::string> open_output(const std::string& path) {
    const char* p = path.empty() ? "/dev/null" : path.c_str();
    const int fd = ::open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        return "cannot open '" + std::string{p} + "' for the client's output: " + errno_text(errno);
    }
    return fd;
}

/// What the child reports through the pipe before it exits 127.
struct ChildError {
    int stage;  // 0 dup2, 1 chdir, 2 exec
    int err;
};

[[noreturn]] void child_fail(int pipe_fd, int stage) {
    const ChildError e{stage, errno};
    [[maybe_unused]] const auto n = ::write(pipe_fd, &e, sizeof e);
    ::_exit(127);
}

/// Moves fd to target in the child, clearing close-on-exec (dup2 does, except when fd == target).
bool move_fd(int fd, int target) {
    if (fd == target) {
        return ::fcntl(fd, F_SETFD, 0) == 0;
    }
    return ::dup2(fd, target) == target;
}

}  // namespace

std::variant<std::vector<std::string>, std::string> expand_command(std::string_view templ,
                                                                   const std::map<std::string, std::string>& values) {
    return split_words(templ, [&](const std::string& name) {
        if (const auto it = values.find(name); it != values.end()) {
            return Resolution{true, it->second};
        }
        std::string known;
        for (const auto& [k, v] : values) {
            known += (known.empty() ? "" : ", ") + ("'{" + k + "}'");
        }
        std::string message = "unknown placeholder '{" + name + "}'";
        message += known.empty() ? "; no placeholders are defined" : "; expected one of " + known;
        return Resolution{false, message};
    });
}

std::vector<std::string> placeholders(std::string_view templ) {
    std::vector<std::string> names;
    (void)split_words(templ, [&](const std::string& name) {
        if (std::find(names.begin(), names.end(), name) == names.end()) {
            names.push_back(name);
        }
        return Resolution{true, {}};
    });
    return names;
}

std::optional<std::string> wipe_directory(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (path.empty()) {
        return "cannot wipe a directory with an empty path";
    }
    const auto st = fs::symlink_status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
        return "cannot inspect '" + path + "': " + ec.message();
    }
    if (!fs::exists(st)) {
        fs::create_directories(path, ec);
        if (ec) {
            return "cannot create '" + path + "': " + ec.message();
        }
        return std::nullopt;
    }
    if (!fs::is_directory(st)) {
        return "'" + path + "' is not a directory";
    }
    std::vector<fs::path> entries;
    for (fs::directory_iterator it{path, ec}, end; !ec && it != end; it.increment(ec)) {
        entries.push_back(it->path());
    }
    if (ec) {
        return "cannot list '" + path + "': " + ec.message();
    }
    for (const auto& entry : entries) {
        fs::remove_all(entry, ec);  // a symlink is removed, never followed
        if (ec) {
            return "cannot remove '" + entry.string() + "': " + ec.message();
        }
    }
    return std::nullopt;
}

ClientProcess::~ClientProcess() {
    kill();
}

std::optional<std::string> ClientProcess::start(const std::vector<std::string>& argv,
                                                const ClientProcessOptions& options) {
    if (pid_ > 0 && !reaped_) {
        if (running()) {
            return "the client process " + std::to_string(pid_) + " is still running";
        }
        kill();  // an exited child: reap it and whatever it left in its group
    }
    if (argv.empty() || argv.front().empty()) {
        return "empty command";
    }

    // Orphaned descendants of the client come to this process instead of init (which, as PID 1 of a container,
    // may never reap them), so that kill() can reap the whole group (prctl(2) PR_SET_CHILD_SUBREAPER).
    static const bool subreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL) == 0;
    (void)subreaper;

    // Everything that allocates happens here, before fork: after fork the child only calls async-signal-safe
    // functions (POSIX fork(2) in a multi-threaded process).
    std::vector<std::string> env_strings;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry{*e};
        const auto name = entry.substr(0, entry.find('='));
        const bool replaced =
            std::any_of(options.env.begin(), options.env.end(), [&](const auto& kv) { return kv.first == name; });
        if (!replaced) {
            env_strings.emplace_back(entry);
        }
    }
    std::string path_var = "/usr/local/bin:/usr/bin:/bin";
    if (const char* p = std::getenv("PATH"); p != nullptr) {
        path_var = p;
    }
    for (const auto& [name, value] : options.env) {
        env_strings.push_back(name + "=" + value);
        if (name == "PATH") {
            path_var = value;
        }
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) {
        envp.push_back(s.data());
    }
    envp.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char*> argp;
    for (auto& a : args) {
        argp.push_back(a.data());
    }
    argp.push_back(nullptr);
    const std::string program = resolve_program(argv.front(), path_var);

    const int in_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in_fd < 0) {
        return "cannot open /dev/null: " + errno_text(errno);
    }
    Fd in{in_fd};
    auto out_r = open_output(options.stdout_path);
    if (out_r.index() == 1) {
        return std::get<1>(out_r);
    }
    Fd out{std::get<0>(out_r)};
    auto err_r = open_output(options.stderr_path);
    if (err_r.index() == 1) {
        return std::get<1>(err_r);
    }
    Fd err{std::get<0>(err_r)};
    std::array<int, 2> pipe_fds{-1, -1};
    if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
        return "cannot create a pipe: " + errno_text(errno);
    }
    Fd pipe_r{pipe_fds[0]};
    Fd pipe_w{pipe_fds[1]};
    const char* working_dir = options.working_dir.empty() ? nullptr : options.working_dir.c_str();

    const pid_t child = ::fork();
    if (child < 0) {
        return "cannot fork: " + errno_text(errno);
    }
    if (child == 0) {
        ::setpgid(0, 0);
        // The tester may ignore or block signals (SIGPIPE); the client starts with the defaults.
        for (int sig = 1; sig < NSIG; ++sig) {
            if (sig != SIGKILL && sig != SIGSTOP) {
                ::signal(sig, SIG_DFL);
            }
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        if (!move_fd(in.get(), STDIN_FILENO) || !move_fd(out.get(), STDOUT_FILENO) ||
            !move_fd(err.get(), STDERR_FILENO)) {
            child_fail(pipe_w.get(), 0);
        }
        // stdin once more from a /dev/null opened here: seen in CI, a client read the output of another test's
        // process on its stdin (cause not found; the parent's descriptors may not be what they seem under ctest).
        if (const int null_fd = ::open("/dev/null", O_RDONLY); null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0) {
            child_fail(pipe_w.get(), 0);
        } else if (null_fd != STDIN_FILENO) {
            ::close(null_fd);
        }
        if (working_dir != nullptr && ::chdir(working_dir) != 0) {
            child_fail(pipe_w.get(), 1);
        }
        ::execve(program.c_str(), argp.data(), envp.data());
        child_fail(pipe_w.get(), 2);
    }

    // Set the group from both sides so that a kill() right after start() reaches it (APUE 9.4). EACCES once
    // the child has exec'd is harmless: it did setpgid itself.
    ::setpgid(child, child);
    pid_ = child;
    reaped_ = false;
    status_.reset();
    pipe_w.reset();

    ChildError report{};
    ssize_t n = 0;
    do {
        n = ::read(pipe_r.get(), &report, sizeof report);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
        return std::nullopt;  // the pipe closed on exec
    }
    reap();  // the child exits 127 right after writing
    if (n != static_cast<ssize_t>(sizeof report)) {
        return "the client process failed before exec (exit status " + std::to_string(status_.value_or(-1)) + ")";
    }
    switch (report.stage) {
    case 0:
        return "cannot redirect the client's standard streams: " + errno_text(report.err);
    case 1:
        return "cannot enter the working directory '" + options.working_dir + "': " + errno_text(report.err);
    default:
        return "cannot execute '" + argv.front() + "': " + errno_text(report.err);
    }
}

void ClientProcess::reap() {
    if (pid_ <= 0 || reaped_) {
        return;
    }
    int status = 0;
    pid_t r = 0;
    do {
        r = ::waitpid(pid_, &status, 0);
    } while (r < 0 && errno == EINTR);
    reaped_ = true;
    if (r < 0) {
        status_ = -1;  // ECHILD: someone else reaped it (SIGCHLD set to SIG_IGN); the status is lost
        return;
    }
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

namespace {

/// The child's exit status if it has exited, without reaping it: a zombie keeps its pid, so the process group
/// id cannot be taken by an unrelated process while the tester may still signal the group.
std::optional<int> peek_exit(pid_t pid) {
    siginfo_t info{};
    int r = 0;
    do {
        r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        return -1;  // ECHILD: not our child any more (SIGCHLD ignored); the status is lost
    }
    if (info.si_pid != pid) {
        return std::nullopt;  // still running
    }
    return info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
}

}  // namespace

void ClientProcess::kill() {
    if (pid_ <= 0 || reaped_) {
        return;
    }
    // The child is unreaped (running or a zombie), so pid_ still names its group.
    ::kill(-pid_, SIGKILL);
    reap();
    // The rest of the group: descendants orphaned by the SIGKILL (or earlier) are our children now (subreaper),
    // so waitpid(-pgid) reaps them until none is left. Their zombies keep the group id ours until then.
    for (;;) {
        const pid_t r = ::waitpid(-pid_, nullptr, 0);
        if (r < 0 && errno != EINTR) {
            break;  // ECHILD: nothing of the group is our child any more
        }
    }
}

void ClientProcess::terminate(std::chrono::milliseconds grace) {
    if (pid_ <= 0 || reaped_) {
        return;
    }
    ::kill(-pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!peek_exit(pid_) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    // A zombie's status is fixed, so the SIGKILL that clears the rest of the group does not change it.
    kill();
}

bool ClientProcess::running() {
    if (pid_ <= 0 || reaped_) {
        return false;
    }
    return !peek_exit(pid_).has_value();
}

std::optional<int> ClientProcess::exit_status() {
    if (pid_ <= 0 || reaped_) {
        return status_;
    }
    return peek_exit(pid_);
}

}  // namespace lwm2mc::conformance
