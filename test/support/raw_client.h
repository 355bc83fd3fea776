// A raw-socket HTTP client for tests and benchmarks that play hostile clients: it sends
// exactly the bytes given (partial heads, broken framing, floods) over loopback and reads
// whatever comes back, every wait bounded. Not thread-safe (one connection per object).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace latencyd::testing {

class RawConnection {
 public:
  // Connects to 127.0.0.1:`port`; connected() says whether that worked.
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends all of `bytes`; false when the peer closed or the send did not finish in `timeout`.
  bool Send(const std::string& bytes,
            std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  // Reads until the peer closes or `timeout` passes; everything received.
  std::string ReadUntilClosed(std::chrono::milliseconds timeout);
  // Reads one response head ("HTTP/1.1 200 OK\r\n...\r\n\r\n") and, with a Content-Length,
  // its body; nullopt when none arrived within `timeout`.
  std::optional<std::string> ReadResponse(std::chrono::milliseconds timeout);
  // True when the peer has closed (or reset) the connection, waiting at most `timeout`.
  bool WaitForClose(std::chrono::milliseconds timeout);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string pending_;  // bytes read past the last response
};

// The status code of a response ("HTTP/1.1 431 ..." -> 431), 0 when there is none.
int StatusOf(const std::string& response);

// A GET with "Connection: close": the status, or 0 when no answer came within `timeout`.
// `extra_headers` are complete lines ending in "\r\n".
int Get(int port, const std::string& path, std::chrono::milliseconds timeout,
        const std::string& extra_headers = "");

}  // namespace latencyd::testing
