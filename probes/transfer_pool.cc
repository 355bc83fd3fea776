#include "probes/transfer_pool.h"

#include <algorithm>
#include <cassert>

namespace latencyd::probes {

Transfer* TransferPool::Take(const PreparedProbe* probe) {
  auto found = by_probe_.find(probe);
  if (found != by_probe_.end()) {
    Transfer* own = Unlink(found->second);
    own->reused_by_own_probe = true;
    return CountOut(own);
  }
  Transfer* shared = nullptr;
  if (!lru_.empty()) {
    shared = Unlink(std::prev(lru_.end()));
  } else {
    auto fresh = std::make_unique<Transfer>();
    if (!fresh->valid()) return nullptr;
    shared = fresh.release();
  }
  shared->reused_by_own_probe = false;
  return CountOut(shared);
}

Transfer* TransferPool::CountOut(Transfer* transfer) {
  peak_out_ = std::max(peak_out_, ++out_);
  return transfer;
}

void TransferPool::Give(Transfer* transfer) {
  assert(out_ > 0 && "Give of a transfer the pool did not hand out");
  --out_;
  lru_.emplace_front(transfer);
  // The newest idle transfer of a probe is the one to hand out for it; an older one (only
  // when a probe overlapped itself) stays in the list for any probe.
  if (const PreparedProbe* probe = transfer->configured_for()) by_probe_[probe] = lru_.begin();
  while (lru_.size() > capacity_) {
    delete Unlink(std::prev(lru_.end()));
  }
}

void TransferPool::Trim(SteadyTime now) {
  if (now - last_trim_ >= trim_period_) {
    const std::size_t shared = IdleShared();
    surplus_ = shared > peak_out_ ? shared - peak_out_ : 0;
    last_trim_ = now;
    peak_out_ = out_;
  }
  if (surplus_ > 0) FreeSurplus();
}

std::size_t TransferPool::IdleShared() const {
  return static_cast<std::size_t>(std::count_if(
      lru_.begin(), lru_.end(), [](const auto& t) { return !t->reused_by_own_probe; }));
}

void TransferPool::FreeSurplus() {
  std::size_t budget = kMaxFreesPerTrim;
  for (auto it = lru_.end(); it != lru_.begin() && surplus_ > 0 && budget > 0;) {
    --it;  // from the oldest
    if ((*it)->reused_by_own_probe) continue;
    delete Unlink(it++);  // `it` moves to the next newer one, which --it steps back over
    --surplus_;
    --budget;
  }
}

void TransferPool::Clear() {
  by_probe_.clear();
  lru_.clear();
  out_ = peak_out_ = surplus_ = 0;
}

Transfer* TransferPool::Unlink(List::iterator it) {
  Transfer* transfer = it->release();
  auto indexed = by_probe_.find(transfer->configured_for());
  if (indexed != by_probe_.end() && indexed->second == it) by_probe_.erase(indexed);
  lru_.erase(it);
  return transfer;
}

}  // namespace latencyd::probes
