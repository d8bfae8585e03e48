// SPDX-License-Identifier: Apache-2.0
// Test support for client_kill (LD_PRELOAD into lwm2mc-client): before each rename(2) onto a file named
// "state.lwm2mc", appends the bytes about to become the state file to the journal named by $LWM2MC_STATE_JOURNAL,
// then renames. The journal is the list of every state the client committed (or was about to commit when it was
// killed), in order, so the kill checker knows the old and the new state without knowing what a state holds.
//
// Record: "LWM2MC-STATE <size>\n" + <size> bytes + "\n"; a record cut short by the kill is incomplete, and then
// its rename never ran.
//
// With $LWM2MC_STATE_TORN_WRITE set, the rename is replaced by a non-atomic copy (half the bytes, 5 ms, the rest):
// the store as it would be without temp file + rename, which the kill checker must catch (a test that can fail).

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace {

bool names_state_file(const char* path) {
    static constexpr char kName[] = "/state.lwm2mc";
    const std::size_t n = std::strlen(path);
    const std::size_t k = sizeof(kName) - 1;
    return n >= k && std::strcmp(path + n - k, kName) == 0;
}

bool read_file(const char* path, std::string& out) {
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    char buf[8192];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            ::close(fd);
            return n == 0;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
}

void append_record(const char* journal, const std::string& bytes) {
    std::string record = "LWM2MC-STATE " + std::to_string(bytes.size()) + "\n";
    record += bytes;
    record += '\n';
    const int fd = ::open(journal, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return;
    }
    std::size_t done = 0;
    while (done < record.size()) {
        const ssize_t n = ::write(fd, record.data() + done, record.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

}  // namespace

extern "C" int rename(const char* oldpath, const char* newpath) {
    using RenameFn = int (*)(const char*, const char*);
    static const auto real = reinterpret_cast<RenameFn>(::dlsym(RTLD_NEXT, "rename"));
    if (real == nullptr) {
        errno = ENOSYS;
        return -1;
    }
    const char* journal = std::getenv("LWM2MC_STATE_JOURNAL");
    if (journal != nullptr && oldpath != nullptr && newpath != nullptr && names_state_file(newpath)) {
        std::string bytes;
        if (read_file(oldpath, bytes)) {
            append_record(journal, bytes);
            if (std::getenv("LWM2MC_STATE_TORN_WRITE") != nullptr) {
                const int fd = ::open(newpath, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
                if (fd >= 0) {
                    const std::size_t half = bytes.size() / 2;
                    (void)!::write(fd, bytes.data(), half);
                    ::usleep(5000);
                    (void)!::write(fd, bytes.data() + half, bytes.size() - half);
                    ::close(fd);
                }
                return ::unlink(oldpath);
            }
        }
    }
    return real(oldpath, newpath);
}
