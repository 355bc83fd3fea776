// Serves /metrics scrapes from a fixed set of kept snapshots, so the memory a scrape uses is
// owned here and reused, whichever thread runs the scrape and however many threads there are.
//
// Why this shape (measured with bench/bench_soak; figures in bench/README.md): rendering the
// whole text per scrape on the HTTP server's threads made each thread's glibc malloc arena
// keep that scrape's peak (the MetricFamily tree and the text: ~18 MiB per thread at 1,000
// endpoints, ~12 arenas after a few minutes of concurrent scrapes), so RSS grew with the
// number of threads that had ever served a scrape. Here a scrape holds one slot: a snapshot
// refreshed in place (no allocation once it has held as many endpoints) and one piece buffer;
// the text is written a piece at a time from the snapshot and streamed. The slots are few
// (kScrapeSlots) because rendering is CPU-bound: more concurrent renders than cores would not
// finish sooner, and each slot costs a snapshot (about 1.5 KiB per endpoint).
//
// A slot's snapshot is refilled only when it was taken before the scrape arrived: scrapes that
// queue for a slot while another fills (sixteen scrapers at once, say) are answered from that
// snapshot, which is newer than their own request, instead of each paying for a fill of its
// own (at 10,000 endpoints a fill is most of a scrape's CPU). No answer is older than the
// request it answers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/clock.h"
#include "daemon/metrics/exposition_stream.h"
#include "daemon/metrics/process_metrics.h"
#include "daemon/window/snapshot.h"

namespace latencyd {

inline constexpr std::size_t kScrapeSlots = 2;
// A piece of the text handed to the socket at a time (a piece ends at a line end, so it may
// exceed this by one endpoint's lines).
inline constexpr std::size_t kScrapePieceBytes = 64 * 1024;

// Thread-safe.
class ScrapeRenderer {
 public:
  // Fills a kept snapshot in place (Monitor::SnapshotInto).
  using SnapshotFiller = std::function<void(DaemonSnapshot&)>;
  // Process figures for process_*; by default ReadProcessStats().
  using ProcessReader = std::function<ProcessStats()>;
  using Clock = std::function<SteadyTime()>;

  // `clock` (steady_clock by default) orders a scrape's arrival against the slots' fills.
  explicit ScrapeRenderer(SnapshotFiller fill, std::size_t slots = kScrapeSlots,
                          ProcessReader read_process = nullptr, Clock clock = nullptr);
  ~ScrapeRenderer();
  ScrapeRenderer(const ScrapeRenderer&) = delete;
  ScrapeRenderer& operator=(const ScrapeRenderer&) = delete;

  struct Slot;

  // One scrape in progress; holds its slot until destroyed. Not thread-safe.
  class Scrape {
   public:
    ~Scrape();
    Scrape(const Scrape&) = delete;
    Scrape& operator=(const Scrape&) = delete;
    // The next piece of the text (valid until the next call), empty once all was written.
    std::string_view Next();

   private:
    friend class ScrapeRenderer;
    Scrape(ScrapeRenderer& owner, Slot& slot);
    ScrapeRenderer& owner_;
    Slot& slot_;
    ExpositionStream stream_;
  };

  // Takes a free slot, waiting up to `wait` for one, and refreshes its snapshot unless it was
  // taken at or after this call began; nullptr when none became free in time. The renderer
  // must outlive the scrape.
  std::unique_ptr<Scrape> Begin(std::chrono::milliseconds wait);

  // Lends a slot's refreshed snapshot to `render` (the status page, the JSON), so pages that
  // are built whole reuse the kept snapshots too instead of allocating their own on whichever
  // thread serves them; nullopt when no slot became free within `wait`.
  std::optional<std::string> RenderWith(
      std::chrono::milliseconds wait,
      const std::function<std::string(const DaemonSnapshot&)>& render);

 private:
  void Release(Slot& slot);

  SnapshotFiller fill_;
  ProcessReader read_process_;
  Clock clock_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> free_;  // guarded by mutex_
};

}  // namespace latencyd
