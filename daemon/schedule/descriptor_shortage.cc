// DescriptorShortage: the count of skipped probes and its rate-limited error line.
#include "daemon/schedule/descriptor_shortage.h"

#include <sys/resource.h>

#include <string>

#include "daemon/log.h"

namespace latencyd {
namespace {

std::string LimitText(rlim_t limit) {
  return limit == RLIM_INFINITY ? std::string("unlimited") : std::to_string(limit);
}

}  // namespace

bool DescriptorShortage::Record(SteadyTime now, std::uint64_t* skipped_since_last_log) {
  total_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  ++unlogged_;
  if (logged_ && now - last_log_ < kLogEvery) return false;
  logged_ = true;
  last_log_ = now;
  *skipped_since_last_log = unlogged_;
  unlogged_ = 0;
  return true;
}

void DescriptorShortage::RecordAndLog(const std::string& endpoint) {
  std::uint64_t skipped = 0;
  if (!Record(std::chrono::steady_clock::now(), &skipped)) return;
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  log::Error("out of file descriptors: probes skipped, not charged to their targets",
             {{"limit", LimitText(limit.rlim_cur)},
              {"skipped", std::to_string(skipped)},
              {"endpoint", endpoint},
              {"hint", "raise LimitNOFILE (ulimit -n) or probe fewer endpoints per process"}});
}

}  // namespace latencyd
