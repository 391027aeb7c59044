#include "sim/child_process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>

namespace ssmsim {

ChildTask start_child(const std::function<std::vector<double>()>& work) {
  ChildTask task;
  int fds[2];
  if (::pipe(fds) != 0) return task;
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return task;
  }
  if (pid == 0) {
    ::close(fds[0]);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    int status = 1;
    try {
      const std::vector<double> v = work();
      const uint64_t n = v.size();
      if (::write(fds[1], &n, sizeof n) == static_cast<ssize_t>(sizeof n) &&
          ::write(fds[1], v.data(), n * sizeof(double)) ==
              static_cast<ssize_t>(n * sizeof(double))) {
        status = 0;
      }
    } catch (...) {
    }
    // No destructors, no atexit handlers: they belong to the parent.
    ::_exit(status);
  }
  ::close(fds[1]);
  task.pid = pid;
  task.fd = fds[0];
  return task;
}

std::optional<std::vector<double>> finish_child(ChildTask& task) {
  if (task.pid < 0) return std::nullopt;
  std::vector<char> buf;
  char chunk[4096];
  for (;;) {
    const ssize_t got = ::read(task.fd, chunk, sizeof chunk);
    if (got > 0) {
      buf.insert(buf.end(), chunk, chunk + got);
    } else if (got == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(task.fd);
  int status = 0;
  while (::waitpid(task.pid, &status, 0) < 0 && errno == EINTR) {
  }
  task.pid = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || buf.size() < sizeof(uint64_t)) {
    return std::nullopt;
  }
  uint64_t n = 0;
  std::memcpy(&n, buf.data(), sizeof n);
  if (buf.size() != sizeof n + n * sizeof(double)) return std::nullopt;
  std::vector<double> v(n);
  std::memcpy(v.data(), buf.data() + sizeof n, n * sizeof(double));
  return v;
}

}  // namespace ssmsim
