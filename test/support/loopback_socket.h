// Plain POSIX socket helpers shared by the raw loopback test servers.
#pragma once

#include <chrono>

namespace latencyd::testing {

// Binds a TCP socket to 127.0.0.1:0; returns the fd and stores the chosen port. Throws
// std::runtime_error on failure.
int BindLoopback(int* port);

// Waits for `fd` to become ready for `events`, or for the wake fd; false on stop or timeout.
bool WaitFor(int fd, short events, int wake_fd, std::chrono::steady_clock::time_point deadline);

}  // namespace latencyd::testing
