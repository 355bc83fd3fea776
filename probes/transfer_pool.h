// The idle easy handles of one probe loop. Each idle transfer stays configured for the probe
// it ran last, so the next run of that probe skips libcurl's reset and its ~20 options.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <unordered_map>

#include "probes/transfer.h"

namespace latencyd::probes {

// Not thread-safe: owned and used by one worker thread.
class TransferPool {
 public:
  // Keeps at most `capacity` idle transfers (each holds an easy handle and its buffers, about
  // 25 KiB); beyond that the least recently used one is freed.
  explicit TransferPool(std::size_t capacity) : capacity_(capacity) {}
  TransferPool(const TransferPool&) = delete;
  TransferPool& operator=(const TransferPool&) = delete;

  // An idle transfer still configured for `probe`, else the least recently used idle one,
  // else a new one; nullptr when libcurl cannot create a handle. The caller owns it until
  // Give.
  Transfer* Take(const PreparedProbe* probe);
  // Takes back a transfer whose probe has finished (Transfer::Release was called).
  void Give(Transfer* transfer);
  void Clear();

  std::size_t size() const { return lru_.size(); }

 private:
  using List = std::list<std::unique_ptr<Transfer>>;
  Transfer* Unlink(List::iterator it);

  std::size_t capacity_;
  List lru_;  // front: most recently given back
  std::unordered_map<const PreparedProbe*, List::iterator> by_probe_;
};

}  // namespace latencyd::probes
