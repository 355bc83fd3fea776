// Serves /metrics scrapes from kept snapshots that concurrent scrapes read together, so the
// memory a scrape uses is owned here and reused, whichever thread runs the scrape and however
// many threads there are.
//
// Why this shape (measured with bench/bench_soak; figures in bench/README.md): rendering the
// whole text per scrape on the HTTP server's threads made each thread's glibc malloc arena
// keep that scrape's peak (the MetricFamily tree and the text: ~18 MiB per thread at 1,000
// endpoints, ~12 arenas after a few minutes of concurrent scrapes), so RSS grew with the
// number of threads that had ever served a scrape. Here a scrape reads a kept snapshot,
// refreshed in place (no allocation once it has held as many endpoints), and writes the text
// a piece at a time from it into a pooled piece buffer.
//
// One snapshot serves every scrape that arrived before its fill began: sixteen scrapers at
// once cost one or two fills and one snapshot, not sixteen (at 10,000 endpoints a snapshot is
// about 24 MiB and its fill most of a scrape's CPU). No answer is older than its request: a
// scrape that arrives after a fill began waits until the snapshot's readers are done and
// refills it. A reader that does not finish (a client reading slowly holds its snapshot for
// up to the server's scrape deadline) must not hold every later scrape back, so a scrape that
// has waited `spare_after` for the readers fills a spare snapshot instead; there are at most
// `slots` snapshots. A spare is allocated only when it is needed and freed once no scrape reads
// or fills any snapshot, keeping the newest: its memory (about 24 MiB at 10,000 endpoints) is
// held while a slow reader is, not for the rest of the daemon's life.
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

// Snapshots at most (one, and a spare for when a slow reader holds the first).
inline constexpr std::size_t kScrapeSlots = 2;
// Scrapes rendering at once (fills included). Rendering is CPU-bound: more renders than cores
// finish no sooner, and each runnable render thread takes CPU share from the probe loops even
// at its lower priority (sixteen at once at 10,000 endpoints left the loops too little on two
// cores, and probes bunched up behind them: bench/README.md).
inline constexpr std::size_t kScrapeRenders = 2;
// How long a scrape waits for a snapshot's readers before it fills the spare: longer than
// sixteen concurrent 10,000-endpoint renders take on a busy 2-core machine, shorter than the
// server's wait for a snapshot (8 s).
inline constexpr std::chrono::milliseconds kScrapeSpareAfter{4000};
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

  // `clock` (steady_clock by default) orders a scrape's arrival against the snapshots' fills.
  explicit ScrapeRenderer(SnapshotFiller fill, std::size_t slots = kScrapeSlots,
                          ProcessReader read_process = nullptr, Clock clock = nullptr,
                          std::chrono::milliseconds spare_after = kScrapeSpareAfter,
                          std::size_t renders = kScrapeRenders);
  ~ScrapeRenderer();
  ScrapeRenderer(const ScrapeRenderer&) = delete;
  ScrapeRenderer& operator=(const ScrapeRenderer&) = delete;

  struct Slot;

  // One scrape in progress; reads its snapshot until destroyed. Not thread-safe.
  class Scrape {
   public:
    ~Scrape();
    Scrape(const Scrape&) = delete;
    Scrape& operator=(const Scrape&) = delete;
    // The next piece of the text (valid until the next call), empty once all was written.
    std::string_view Next();

   private:
    friend class ScrapeRenderer;
    Scrape(ScrapeRenderer& owner, Slot& slot, std::string piece);
    ScrapeRenderer& owner_;
    Slot& slot_;
    ProcessStats process_;
    std::string piece_;  // from the renderer's pool, returned with the snapshot
    ExpositionStream stream_;
  };

  // Joins the readers of a snapshot whose fill began at or after this call, filling one when
  // there is none (waiting for a snapshot without readers, and for one of the `renders`,
  // up to `wait`); nullptr when none could be had in time. Throws what the fill throws. The
  // renderer must outlive the scrape.
  std::unique_ptr<Scrape> Begin(std::chrono::milliseconds wait);

  // Lends a fresh snapshot to `render` (the status page, the JSON), so pages that are built
  // whole reuse the kept snapshots too instead of allocating their own on whichever thread
  // serves them; nullopt when none could be had within `wait`.
  std::optional<std::string> RenderWith(
      std::chrono::milliseconds wait,
      const std::function<std::string(const DaemonSnapshot&)>& render);

  // Snapshots held now (2 only while a slow reader makes a spare necessary).
  std::size_t snapshots() const;

 private:
  using Lock = std::unique_lock<std::mutex>;
  // A snapshot whose fill began at or after `arrived` and has ended; nullptr if none.
  Slot* FreshSlot(SteadyTime arrived) const;
  // Whether a fill in progress began at or after `arrived` (its snapshot will do).
  bool FillComing(SteadyTime arrived) const;
  // A snapshot without readers to refill; a new one only when `may_add` and below the cap.
  Slot* SlotToFill(bool may_add);
  // Fills `slot` (marked filling) with `lock` released; rethrows a failed fill's exception.
  void Fill(Slot& slot, Lock& lock);
  std::string TakePiece();  // with mutex_ held
  void Release(Slot& slot, std::string piece);
  // With mutex_ held: when no scrape reads or fills any snapshot, moves all but the newest out
  // of slots_ (into `spares`, freed by the caller after unlocking).
  void TakeIdleSpares(std::vector<std::unique_ptr<Slot>>& spares);

  SnapshotFiller fill_;
  ProcessReader read_process_;
  Clock clock_;
  std::size_t max_slots_;
  std::chrono::milliseconds spare_after_;
  std::size_t max_renders_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;           // a fill ended or a reader left
  std::vector<std::unique_ptr<Slot>> slots_;  // guarded by mutex_
  std::vector<std::string> pieces_;           // idle piece buffers; guarded by mutex_
  std::size_t renders_ = 0;                   // fills and readers now; guarded by mutex_
};

}  // namespace latencyd
