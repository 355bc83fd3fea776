#include "daemon/metrics/scrape_renderer.h"

#include <algorithm>
#include <utility>

namespace latencyd {

// What one scrape in progress owns; kept and reused by the next scrape that takes the slot.
struct ScrapeRenderer::Slot {
  DaemonSnapshot snapshot;
  // When the last complete fill began; SteadyTime::min() before the first and after a failed
  // one, so that the next scrape fills.
  SteadyTime filled_at = SteadyTime::min();
  ProcessStats process;
  std::string piece;
};

ScrapeRenderer::ScrapeRenderer(SnapshotFiller fill, std::size_t slots, ProcessReader read_process,
                               Clock clock)
    : fill_(std::move(fill)), read_process_(std::move(read_process)), clock_(std::move(clock)) {
  if (!read_process_) read_process_ = ReadProcessStats;
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
  for (std::size_t i = 0; i < std::max<std::size_t>(slots, 1); ++i) {
    slots_.push_back(std::make_unique<Slot>());
    // A piece ends at a line end after kScrapePieceBytes: room for one endpoint's lines more.
    slots_.back()->piece.reserve(kScrapePieceBytes + 32 * 1024);
    free_.push_back(slots_.back().get());
  }
}

ScrapeRenderer::~ScrapeRenderer() = default;

std::unique_ptr<ScrapeRenderer::Scrape> ScrapeRenderer::Begin(std::chrono::milliseconds wait) {
  const SteadyTime arrived = clock_();
  Slot* slot = nullptr;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!freed_.wait_for(lock, wait, [this] { return !free_.empty(); })) return nullptr;
    slot = free_.back();
    free_.pop_back();
  }
  if (slot->filled_at < arrived) {
    const SteadyTime began = clock_();
    try {
      fill_(slot->snapshot);
    } catch (...) {
      slot->filled_at = SteadyTime::min();
      Release(*slot);  // the scrape fails; the slot stays for the next one
      throw;
    }
    slot->filled_at = began;
  }
  slot->process = read_process_();
  return std::unique_ptr<Scrape>(new Scrape(*this, *slot));
}

std::optional<std::string> ScrapeRenderer::RenderWith(
    std::chrono::milliseconds wait,
    const std::function<std::string(const DaemonSnapshot&)>& render) {
  std::unique_ptr<Scrape> scrape = Begin(wait);
  if (!scrape) return std::nullopt;
  return render(scrape->slot_.snapshot);
}

void ScrapeRenderer::Release(Slot& slot) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(&slot);
  }
  freed_.notify_one();
}

ScrapeRenderer::Scrape::Scrape(ScrapeRenderer& owner, Slot& slot)
    : owner_(owner), slot_(slot), stream_(slot.snapshot, &slot.process) {}

ScrapeRenderer::Scrape::~Scrape() { owner_.Release(slot_); }

std::string_view ScrapeRenderer::Scrape::Next() {
  slot_.piece.clear();  // keeps its capacity: one piece buffer per slot, reused
  stream_.Next(slot_.piece, kScrapePieceBytes);
  return slot_.piece;
}

}  // namespace latencyd
