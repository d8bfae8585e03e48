// SPDX-License-Identifier: Apache-2.0
#include "lwm2mc/conformance/process.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace lwm2mc::conformance {
namespace {

namespace fs = std::filesystem;
using Argv = std::vector<std::string>;
using namespace std::chrono_literals;

const std::map<std::string, std::string> kValues{
    {"bs_uri", "coap://127.0.0.1:5683"},
    {"endpoint", "node 1"},  // a value with a space is never split
    {"state_dir", "/tmp/state dir/x"},
    {"empty", ""},
};

Argv expand_ok(std::string_view templ) {
    auto r = expand_command(templ, kValues);
    if (const auto* error = std::get_if<std::string>(&r)) {
        ADD_FAILURE() << "template '" << templ << "': " << *error;
        return {};
    }
    return std::get<Argv>(r);
}

std::string expand_error(std::string_view templ) {
    auto r = expand_command(templ, kValues);
    if (const auto* error = std::get_if<std::string>(&r)) {
        return *error;
    }
    return "<no error>";
}

/// A fresh directory per test under the system temporary directory.
class TempDir {
public:
    TempDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = fs::temp_directory_path() /
                ("lwm2mc-process-" + std::string{info->name()} + "-" + std::to_string(::getpid()));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::string read_file(const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Waits (up to 10 s) until the child has exited on its own.
bool wait_exit(ClientProcess& p) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (p.running()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

/// Waits (up to 10 s) until a file has some content.
bool wait_content(const std::string& path) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (read_file(path).empty()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

bool group_gone(pid_t pgid) {
    return ::kill(-pgid, 0) == -1 && errno == ESRCH;
}

TEST(ExpandCommand, SplitsOnWhitespaceAndSubstitutesWithoutSplitting) {
    const auto argv = expand_ok("  client -b {bs_uri}\t-e {endpoint} -d {state_dir}  ");

    EXPECT_EQ(argv, (Argv{"client", "-b", "coap://127.0.0.1:5683", "-e", "node 1", "-d", "/tmp/state dir/x"}));
}

TEST(ExpandCommand, HonoursQuotesAndEscapes) {
    struct Row {
        const char* templ;
        Argv argv;
    };
    const std::vector<Row> rows{
        {"a 'b c' d", {"a", "b c", "d"}},
        {"a 'x\\\"y'", {"a", "x\\\"y"}},                        // single quotes: backslash is literal
        {"a \"x \\\" \\\\ \\$ \\n\"", {"a", "x \" \\ $ \\n"}},  // double quotes: only \" \\ \$ escape
        {"a\\ b c", {"a b", "c"}},                              // backslash outside quotes
        {"a '' \"\"", {"a", "", ""}},                           // empty quotes make empty words
        {"pre'fix'\"ed\" x", {"prefixed", "x"}},                // adjacent parts form one word
        {"a --ep={endpoint}", {"a", "--ep=node 1"}},
        {"a \"-e {endpoint}\"", {"a", "-e node 1"}},
        {"a '{endpoint}'", {"a", "node 1"}},
        {"a {empty} b", {"a", "", "b"}},  // an empty value is still an argument
        {"a {{x}} '{{' \"}}\"", {"a", "{x}", "{", "}"}},
        {"a \\{x", {"a", "{x"}},
    };

    for (const auto& row : rows) {
        EXPECT_EQ(expand_ok(row.templ), row.argv) << row.templ;
    }
}

TEST(ExpandCommand, ReportsErrorsWithTheirColumn) {
    struct Row {
        const char* templ;
        const char* error;
    };
    const std::vector<Row> rows{
        {"", "column 1: empty command"},
        {"   \t ", "column 1: empty command"},
        {"client -x {nope}",
         "column 11: unknown placeholder '{nope}'; expected one of '{bs_uri}', '{empty}', '{endpoint}', '{state_dir}'"},
        {"client 'abc", "column 8: unclosed single quote"},
        {"client \"abc", "column 8: unclosed double quote"},
        {"client {bs_uri", "column 8: unclosed '{' (write '{{' for a literal brace)"},
        {"client {bs_uri x}", "column 8: unclosed '{' (write '{{' for a literal brace)"},
        {"client }", "column 8: unmatched '}' (write '}}' for a literal brace)"},
        {"client {}", "column 8: empty placeholder '{}'"},
        {"client \\", "column 8: backslash at the end of the command"},
    };

    for (const auto& row : rows) {
        EXPECT_EQ(expand_error(row.templ), row.error) << row.templ;
    }
}

TEST(ExpandCommand, ListsPlaceholdersOnceInOrder) {
    const auto names = placeholders("c -b {bs_uri} -s '{server_uri}' {{lit}} -x \"{bs_uri}\" {endpoint}");

    EXPECT_EQ(names, (Argv{"bs_uri", "server_uri", "endpoint"}));
}

TEST(WipeDirectory, RemovesContentsAndKeepsTheDirectory) {
    const TempDir dir;
    const auto state = dir.path() / "state";
    fs::create_directories(state / "sub" / "deeper");
    std::ofstream{state / "file"} << "x";
    std::ofstream{state / "sub" / "deeper" / "f"} << "y";
    std::ofstream{dir.path() / "outside"} << "z";
    fs::create_symlink(dir.path() / "outside", state / "link");

    const auto error = wipe_directory(state.string());

    EXPECT_FALSE(error) << *error;
    EXPECT_TRUE(fs::is_directory(state));
    EXPECT_TRUE(fs::is_empty(state));
    EXPECT_TRUE(fs::exists(dir.path() / "outside"));  // the link was removed, not followed
}

TEST(WipeDirectory, CreatesAMissingDirectoryAndRefusesAFile) {
    const TempDir dir;
    std::ofstream{dir.path() / "plain"} << "x";

    const auto created = wipe_directory(dir.file("new/state"));
    const auto refused = wipe_directory(dir.file("plain"));

    EXPECT_FALSE(created);
    EXPECT_TRUE(fs::is_directory(dir.path() / "new" / "state"));
    ASSERT_TRUE(refused);
    EXPECT_EQ(*refused, "'" + dir.file("plain") + "' is not a directory");
}

TEST(ClientProcess, CapturesOutputEnvironmentAndWorkingDirectory) {
    const TempDir dir;
    ClientProcessOptions options;
    options.stdout_path = dir.file("out.log");
    options.stderr_path = dir.file("err.log");
    options.env = {{"LWM2MC_PROCESS_TEST", "hello world"}};
    options.working_dir = dir.path().string();
    std::ofstream{options.stdout_path} << "earlier\n";  // appended to, not truncated
    ClientProcess p;

    const auto error =
        p.start({"/bin/sh", "-c",
                 "echo \"$LWM2MC_PROCESS_TEST\"; pwd; echo oops >&2; echo \"stdin=$(readlink /proc/$$/fd/0)\""},
                options);
    ASSERT_FALSE(error) << *error;
    ASSERT_TRUE(wait_exit(p));

    EXPECT_EQ(p.exit_status(), 0);
    EXPECT_EQ(read_file(options.stdout_path),
              "earlier\nhello world\n" + fs::canonical(dir.path()).string() + "\nstdin=/dev/null\n");
    EXPECT_EQ(read_file(options.stderr_path), "oops\n");
}

TEST(ClientProcess, FindsProgramsInPath) {
    const TempDir dir;
    ClientProcessOptions options;
    options.stdout_path = dir.file("out.log");
    ClientProcess p;

    const auto error = p.start({"sh", "-c", "echo found"}, options);
    ASSERT_FALSE(error) << *error;
    ASSERT_TRUE(wait_exit(p));

    EXPECT_EQ(read_file(options.stdout_path), "found\n");
}

TEST(ClientProcess, ReportsExecFailureFromStart) {
    const TempDir dir;
    ClientProcess p;

    const auto missing = p.start({dir.file("no-such-client"), "-x"}, {});
    const auto not_in_path = p.start({"lwm2mc-no-such-client-anywhere"}, {});
    const auto bad_dir = p.start({"/bin/true"}, ClientProcessOptions{{}, {}, {}, dir.file("no-such-dir")});
    const auto bad_output = p.start({"/bin/true"}, ClientProcessOptions{dir.file("no/such/out.log"), {}, {}, {}});

    ASSERT_TRUE(missing);
    EXPECT_EQ(*missing, "cannot execute '" + dir.file("no-such-client") + "': No such file or directory");
    ASSERT_TRUE(not_in_path);
    EXPECT_EQ(*not_in_path, "cannot execute 'lwm2mc-no-such-client-anywhere': No such file or directory");
    ASSERT_TRUE(bad_dir);
    EXPECT_EQ(*bad_dir,
              "cannot enter the working directory '" + dir.file("no-such-dir") + "': No such file or directory");
    ASSERT_TRUE(bad_output);
    EXPECT_NE(bad_output->find("cannot open '" + dir.file("no/such/out.log") + "'"), std::string::npos);
    EXPECT_FALSE(p.running());
}

TEST(ClientProcess, ReportsExitCodeAndSignal) {
    ClientProcess exits;
    ClientProcess signalled;

    ASSERT_FALSE(exits.start({"/bin/sh", "-c", "exit 3"}, {}));
    ASSERT_FALSE(signalled.start({"/bin/sh", "-c", "kill -TERM $$; sleep 5"}, {}));
    ASSERT_TRUE(wait_exit(exits));
    ASSERT_TRUE(wait_exit(signalled));

    EXPECT_EQ(exits.exit_status(), 3);
    EXPECT_EQ(signalled.exit_status(), 128 + SIGTERM);
}

TEST(ClientProcess, KillReapsTheWholeGroup) {
    const TempDir dir;
    ClientProcessOptions options;
    options.stdout_path = dir.file("out.log");
    ClientProcess p;
    ASSERT_FALSE(p.start({"/bin/sh", "-c", "sleep 100 & echo started; wait"}, options));
    const pid_t pgid = p.pid();
    ASSERT_TRUE(wait_content(options.stdout_path));
    ASSERT_TRUE(p.running());
    ASSERT_EQ(::getpgid(pgid), pgid);  // its own group

    p.kill();

    EXPECT_FALSE(p.running());
    EXPECT_EQ(p.exit_status(), 128 + SIGKILL);
    EXPECT_EQ(::waitpid(pgid, nullptr, WNOHANG), -1);  // already reaped: no zombie left
    EXPECT_TRUE(group_gone(pgid));  // the background sleep is killed and reaped too, not left to init
}

TEST(ClientProcess, ClearsTheGroupOfAChildThatExitedOnItsOwn) {
    ClientProcess p;
    ASSERT_FALSE(p.start({"/bin/sh", "-c", "sleep 100 & exit 0"}, {}));
    const pid_t pgid = p.pid();
    ASSERT_TRUE(wait_exit(p));
    ASSERT_FALSE(group_gone(pgid));  // the sleep is still there

    p.kill();

    EXPECT_EQ(p.exit_status(), 0);  // the status of the exit, not of the later SIGKILL
    EXPECT_TRUE(group_gone(pgid));
}

TEST(ClientProcess, TerminateEscalatesToKillAfterTheGrace) {
    const TempDir dir;
    ClientProcessOptions options;
    options.stdout_path = dir.file("out.log");
    ClientProcess polite;
    ClientProcess stubborn;
    ASSERT_FALSE(polite.start({"/bin/sh", "-c", "echo up; sleep 100"}, options));
    ASSERT_FALSE(stubborn.start({"/bin/sh", "-c", "trap '' TERM; echo up; while :; do sleep 1; done"},
                                ClientProcessOptions{dir.file("stubborn.log"), {}, {}, {}}));
    ASSERT_TRUE(wait_content(options.stdout_path));
    ASSERT_TRUE(wait_content(dir.file("stubborn.log")));

    polite.terminate(5s);
    const auto before = std::chrono::steady_clock::now();
    stubborn.terminate(200ms);
    const auto took = std::chrono::steady_clock::now() - before;

    EXPECT_EQ(polite.exit_status(), 128 + SIGTERM);
    EXPECT_EQ(stubborn.exit_status(), 128 + SIGKILL);
    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 5s);
}

TEST(ClientProcess, RestartsAfterKillAndRefusesADoubleStart) {
    const TempDir dir;
    ClientProcessOptions options;
    options.stdout_path = dir.file("out.log");
    ClientProcess p;
    ASSERT_FALSE(p.start({"/bin/sh", "-c", "echo one; sleep 100"}, options));
    const pid_t first = p.pid();
    ASSERT_TRUE(wait_content(options.stdout_path));

    const auto twice = p.start({"/bin/true"}, options);
    p.kill();
    const auto again = p.start({"/bin/sh", "-c", "echo two"}, options);
    ASSERT_FALSE(again) << *again;
    ASSERT_TRUE(wait_exit(p));

    ASSERT_TRUE(twice);
    EXPECT_EQ(*twice, "the client process " + std::to_string(first) + " is still running");
    EXPECT_NE(p.pid(), first);
    EXPECT_EQ(p.exit_status(), 0);
    EXPECT_EQ(read_file(options.stdout_path), "one\ntwo\n");
}

TEST(ClientProcess, DestructorKillsTheGroup) {
    pid_t pgid = -1;

    {
        ClientProcess p;
        ASSERT_FALSE(p.start({"/bin/sh", "-c", "sleep 100 & sleep 100"}, {}));
        pgid = p.pid();
    }

    EXPECT_EQ(::waitpid(pgid, nullptr, WNOHANG), -1);
    EXPECT_TRUE(group_gone(pgid));
}

TEST(ClientProcess, NeverStartedHasNoStatus) {
    ClientProcess p;

    p.kill();
    p.terminate(10ms);

    EXPECT_EQ(p.pid(), -1);
    EXPECT_FALSE(p.running());
    EXPECT_FALSE(p.exit_status());
}

}  // namespace
}  // namespace lwm2mc::conformance
