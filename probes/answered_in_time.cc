#include "probes/answered_in_time.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>

namespace latencyd::probes {
namespace {

// tcp_info's "ms since" fields count in jiffies (4 ms at HZ=250): an answer counts as having
// arrived before the deadline only with this much to spare.
constexpr std::int64_t kTcpInfoSlackMs = 5;

}  // namespace

bool AnsweredBeforeDeadline(int fd, Duration past_deadline, bool request_sent) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return false;
  const std::int64_t late_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(past_deadline).count() +
      kTcpInfoSlackMs;
  if (!request_sent) {
    return info.tcpi_state == TCP_ESTABLISHED && info.tcpi_last_ack_recv > late_ms;
  }
  int unread = 0;
  if (::ioctl(fd, FIONREAD, &unread) != 0 || unread <= 0) return false;
  return info.tcpi_last_data_recv > late_ms;
}

}  // namespace latencyd::probes
