// The running Http1Probes of one loop, earliest deadline first: the loop sleeps until the top
// one's deadline, and a probe that ends before it leaves the heap in O(log n) (each probe
// knows its place, Http1Probe::heap_index), without a search or an allocation.
#pragma once

#include <cstddef>
#include <vector>

#include "probes/http1_probe.h"

namespace latencyd::probes {

// Not thread-safe; does not own the probes.
class DeadlineHeap {
 public:
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  Http1Probe* top() const { return heap_.front(); }
  const std::vector<Http1Probe*>& all() const { return heap_; }

  void Push(Http1Probe* probe) {
    probe->heap_index = heap_.size();
    heap_.push_back(probe);
    SiftUp(probe->heap_index);
  }

  void Remove(Http1Probe* probe) {
    const std::size_t index = probe->heap_index;
    Http1Probe* last = heap_.back();
    heap_.pop_back();
    if (last == probe) return;
    Place(last, index);
    SiftUp(index);
    SiftDown(last->heap_index);
  }

  void Clear() { heap_.clear(); }

 private:
  void Place(Http1Probe* probe, std::size_t index) {
    heap_[index] = probe;
    probe->heap_index = index;
  }
  void SiftUp(std::size_t index) {
    while (index > 0) {
      const std::size_t parent = (index - 1) / 2;
      if (heap_[parent]->deadline() <= heap_[index]->deadline()) return;
      Http1Probe* moved = heap_[parent];
      Place(heap_[index], parent);
      Place(moved, index);
      index = parent;
    }
  }
  void SiftDown(std::size_t index) {
    while (true) {
      std::size_t smallest = index;
      for (std::size_t child : {2 * index + 1, 2 * index + 2}) {
        if (child < heap_.size() && heap_[child]->deadline() < heap_[smallest]->deadline()) {
          smallest = child;
        }
      }
      if (smallest == index) return;
      Http1Probe* moved = heap_[smallest];
      Place(heap_[index], smallest);
      Place(moved, index);
      index = smallest;
    }
  }

  std::vector<Http1Probe*> heap_;
};

}  // namespace latencyd::probes
