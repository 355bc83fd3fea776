#include "daemon/metrics/scrape_renderer.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace latencyd {
namespace {

// Idle piece buffers kept for the next scrapes; beyond that a finished scrape frees its own
// (the server may run hundreds of scrapes at once, and 96 KiB each would add up).
constexpr std::size_t kMaxIdlePieces = 16;

}  // namespace

// One kept snapshot and who is using it; guarded by the renderer's mutex_, except that the
// snapshot itself is written only by the one fill (filling) and read only by readers, never
// both at once.
struct ScrapeRenderer::Slot {
  DaemonSnapshot snapshot;
  // When the fill in progress (filling) or the last complete one began; SteadyTime::min()
  // before the first and after a failed one, so that the next scrape fills.
  SteadyTime fill_began = SteadyTime::min();
  bool filling = false;
  int readers = 0;
};

ScrapeRenderer::ScrapeRenderer(SnapshotFiller fill, std::size_t slots, ProcessReader read_process,
                               Clock clock, std::chrono::milliseconds spare_after,
                               std::size_t renders)
    : fill_(std::move(fill)),
      read_process_(std::move(read_process)),
      clock_(std::move(clock)),
      max_slots_(std::max<std::size_t>(slots, 1)),
      spare_after_(spare_after),
      max_renders_(std::max<std::size_t>(renders, 1)) {
  if (!read_process_) read_process_ = ReadProcessStats;
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
  slots_.push_back(std::make_unique<Slot>());
}

ScrapeRenderer::~ScrapeRenderer() = default;

std::unique_ptr<ScrapeRenderer::Scrape> ScrapeRenderer::Begin(std::chrono::milliseconds wait) {
  const SteadyTime arrived = clock_();
  const auto started = std::chrono::steady_clock::now();
  const auto give_up = started + wait;
  const auto spare_from = started + spare_after_;
  Lock lock(mutex_);
  for (;;) {
    Slot* slot = nullptr;
    bool fill = false;
    if (renders_ < max_renders_) {
      slot = FreshSlot(arrived);
      if (slot == nullptr && !FillComing(arrived)) {
        slot = SlotToFill(std::chrono::steady_clock::now() >= spare_from);
        fill = slot != nullptr;
      }
    }
    if (slot != nullptr) {
      ++renders_;                   // a fill is this scrape's render too
      if (fill) Fill(*slot, lock);  // began after `arrived`: fresh for this scrape
      ++slot->readers;
      std::string piece = TakePiece();
      lock.unlock();
      try {
        return std::unique_ptr<Scrape>(new Scrape(*this, *slot, std::move(piece)));
      } catch (...) {
        Release(*slot, {});  // reading the process figures failed: the reader leaves
        throw;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= give_up) return nullptr;
    changed_.wait_until(lock, now < spare_from ? std::min(give_up, spare_from) : give_up);
  }
}

ScrapeRenderer::Slot* ScrapeRenderer::FreshSlot(SteadyTime arrived) const {
  Slot* newest = nullptr;
  for (const auto& slot : slots_) {
    if (slot->filling || slot->fill_began < arrived) continue;  // min(): never or failed
    if (newest == nullptr || slot->fill_began > newest->fill_began) newest = slot.get();
  }
  return newest;
}

bool ScrapeRenderer::FillComing(SteadyTime arrived) const {
  return std::any_of(slots_.begin(), slots_.end(), [arrived](const auto& slot) {
    return slot->filling && slot->fill_began >= arrived;
  });
}

ScrapeRenderer::Slot* ScrapeRenderer::SlotToFill(bool may_add) {
  for (const auto& slot : slots_) {
    if (!slot->filling && slot->readers == 0) return slot.get();
  }
  if (!may_add || slots_.size() >= max_slots_) return nullptr;
  slots_.push_back(std::make_unique<Slot>());
  return slots_.back().get();
}

void ScrapeRenderer::Fill(Slot& slot, Lock& lock) {
  slot.filling = true;
  slot.fill_began = clock_();
  lock.unlock();
  try {
    fill_(slot.snapshot);
  } catch (...) {
    lock.lock();
    --renders_;
    slot.filling = false;
    slot.fill_began = SteadyTime::min();  // the scrape fails; the next one fills again
    changed_.notify_all();
    lock.unlock();
    throw;
  }
  lock.lock();
  slot.filling = false;
  changed_.notify_all();
}

std::string ScrapeRenderer::TakePiece() {
  if (pieces_.empty()) {
    std::string piece;
    // A piece ends at a line end after kScrapePieceBytes: room for one endpoint's lines more.
    piece.reserve(kScrapePieceBytes + 32 * 1024);
    return piece;
  }
  std::string piece = std::move(pieces_.back());
  pieces_.pop_back();
  return piece;
}

std::optional<std::string> ScrapeRenderer::RenderWith(
    std::chrono::milliseconds wait,
    const std::function<std::string(const DaemonSnapshot&)>& render) {
  std::unique_ptr<Scrape> scrape = Begin(wait);
  if (!scrape) return std::nullopt;
  return render(scrape->slot_.snapshot);
}

std::size_t ScrapeRenderer::snapshots() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return slots_.size();
}

void ScrapeRenderer::Release(Slot& slot, std::string piece) {
  std::vector<std::unique_ptr<Slot>> spares;  // freed after unlocking: 24 MiB at 10k endpoints
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --slot.readers;
    --renders_;
    if (pieces_.size() < kMaxIdlePieces) pieces_.push_back(std::move(piece));
    TakeIdleSpares(spares);
  }
  changed_.notify_all();
}

void ScrapeRenderer::TakeIdleSpares(std::vector<std::unique_ptr<Slot>>& spares) {
  if (slots_.size() < 2) return;
  for (const auto& slot : slots_) {
    if (slot->filling || slot->readers > 0) return;
  }
  const auto newest =
      std::max_element(slots_.begin(), slots_.end(),
                       [](const auto& a, const auto& b) { return a->fill_began < b->fill_began; });
  std::iter_swap(slots_.begin(), newest);
  std::move(slots_.begin() + 1, slots_.end(), std::back_inserter(spares));
  slots_.resize(1);
}

ScrapeRenderer::Scrape::Scrape(ScrapeRenderer& owner, Slot& slot, std::string piece)
    : owner_(owner),
      slot_(slot),
      process_(owner.read_process_()),
      piece_(std::move(piece)),
      stream_(slot.snapshot, &process_) {}

ScrapeRenderer::Scrape::~Scrape() { owner_.Release(slot_, std::move(piece_)); }

std::string_view ScrapeRenderer::Scrape::Next() {
  piece_.clear();  // keeps its capacity: pooled and reused
  stream_.Next(piece_, kScrapePieceBytes);
  return piece_;
}

}  // namespace latencyd
