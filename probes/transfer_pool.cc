#include "probes/transfer_pool.h"

namespace latencyd::probes {

Transfer* TransferPool::Take(const PreparedProbe* probe) {
  auto found = by_probe_.find(probe);
  if (found != by_probe_.end()) return Unlink(found->second);
  if (!lru_.empty()) return Unlink(std::prev(lru_.end()));
  auto fresh = std::make_unique<Transfer>();
  return fresh->valid() ? fresh.release() : nullptr;
}

void TransferPool::Give(Transfer* transfer) {
  lru_.emplace_front(transfer);
  // The newest idle transfer of a probe is the one to hand out for it; an older one (only
  // when a probe overlapped itself) stays in the list for any probe.
  if (const PreparedProbe* probe = transfer->configured_for()) by_probe_[probe] = lru_.begin();
  while (lru_.size() > capacity_) {
    delete Unlink(std::prev(lru_.end()));
  }
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
