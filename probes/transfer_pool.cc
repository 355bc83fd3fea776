#include "probes/transfer_pool.h"

#include <algorithm>

namespace latencyd::probes {

Transfer* TransferPool::Take(const PreparedProbe* probe) {
  auto found = by_probe_.find(probe);
  if (found != by_probe_.end()) {
    Transfer* own = Unlink(found->second);
    own->own_probe_period = period_;
    return TakeOut(own);
  }
  if (!lru_.empty()) return TakeOut(Unlink(std::prev(lru_.end())));
  auto fresh = std::make_unique<Transfer>();
  return fresh->valid() ? TakeOut(fresh.release()) : nullptr;
}

Transfer* TransferPool::TakeOut(Transfer* transfer) {
  peak_out_ = std::max(peak_out_, ++out_);
  return transfer;
}

void TransferPool::Give(Transfer* transfer) {
  if (out_ > 0) --out_;
  lru_.emplace_front(transfer);
  // The newest idle transfer of a probe is the one to hand out for it; an older one (only
  // when a probe overlapped itself) stays in the list for any probe.
  if (const PreparedProbe* probe = transfer->configured_for()) by_probe_[probe] = lru_.begin();
  while (lru_.size() > capacity_) {
    delete Unlink(std::prev(lru_.end()));
  }
}

void TransferPool::Trim(SteadyTime now) {
  if (now - last_trim_ < trim_period_) return;
  std::size_t spares_kept = 0;
  for (auto it = lru_.begin(); it != lru_.end();) {
    const bool own = (*it)->own_probe_period == period_;
    if (own || spares_kept++ < peak_out_) {
      ++it;
      continue;
    }
    delete Unlink(it++);
  }
  last_trim_ = now;
  ++period_;
  peak_out_ = out_;
}

void TransferPool::Clear() {
  by_probe_.clear();
  lru_.clear();
}

Transfer* TransferPool::Unlink(List::iterator it) {
  Transfer* transfer = it->release();
  auto indexed = by_probe_.find(transfer->configured_for());
  if (indexed != by_probe_.end() && indexed->second == it) by_probe_.erase(indexed);
  lru_.erase(it);
  return transfer;
}

}  // namespace latencyd::probes
