// SPDX-License-Identifier: Apache-2.0
#pragma once

// Runs the real lwm2mc executable (LWM2MC_CLI) and captures its exit code, stdout and stderr.

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace lwm2mc::test {

struct CliRun {
    int code{-1};
    std::string out;
    std::string err;
};

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline CliRun run_cli(const std::string& args) {
    namespace fs = std::filesystem;
    fs::path err_file = fs::temp_directory_path() / ("lwm2mc_cli_test_" + std::to_string(::getpid()) + ".err");
    std::string command = std::string(LWM2MC_CLI) + " " + args + " 2>" + err_file.string();
    CliRun r;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return r;
    }
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        r.out.append(buffer.data(), n);
    }
    int status = ::pclose(pipe);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.err = slurp(err_file);
    fs::remove(err_file);
    return r;
}

}  // namespace lwm2mc::test
