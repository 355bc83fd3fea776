#include "daemon/run.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <ostream>

#include "config/config.h"
#include "config/web_config.h"
#include "daemon/build_info.h"
#include "daemon/endpoint_files_watcher.h"
#include "daemon/log.h"
#include "daemon/metrics/scrape_renderer.h"
#include "daemon/reloader.h"
#include "daemon/schedule/monitor.h"
#include "daemon/sd_notify.h"
#include "daemon/storage/state_store.h"
#include "daemon/web/endpoints_json.h"
#include "daemon/web/http_server.h"
#include "daemon/web/status_page.h"

namespace latencyd {
namespace {

// Blocks the signals the daemon consumes, before any thread exists, so every thread inherits
// the mask and only the sigwait below ever sees them: no work runs in a signal handler.
sigset_t BlockDaemonSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A peer that hangs up mid-response must not kill the process.
  signal(SIGPIPE, SIG_IGN);
  return signals;
}

// A backstop, not the fix (that is ScrapeRenderer: /metrics allocates nothing per scrape once
// warm). The status page and the JSON are still built whole, several MB at 10,000 endpoints,
// on whichever server thread serves them. glibc raises its mmap threshold to the size of the
// largest block freed so far (up to 32 MiB), after which such pages come from the thread's
// arena, whose trim threshold rises with it, and each arena keeps one page's worth. A fixed
// threshold turns that dynamic behaviour off: blocks of 1 MiB and more are mapped and given
// back on free, smaller ones are trimmed from the top past glibc's default 128 KiB.
void PinMallocThresholds() { mallopt(M_MMAP_THRESHOLD, 1 << 20); }

// Every probe in flight holds a socket, and 1024 (the usual soft limit outside systemd) is
// far below what 10,000 endpoints need; the hard limit is ours to use. Under the shipped
// unit LimitNOFILE= has already done this (and setrlimit is filtered there).
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  rlim_t was = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    log::Debug("raised the open file limit",
               {{"from", std::to_string(was)}, {"to", std::to_string(limit.rlim_cur)}});
  }
}

WebSecurity LoadWebSecurity(const std::string& path) {
  WebSecurity security;
  if (path.empty()) return security;
  config::WebConfig web = config::LoadWebConfigFile(path);
  security.cert_file = web.cert_file;
  security.key_file = web.key_file;
  security.basic_auth_users = web.basic_auth_users;
  return security;
}

// How long a scrape (or a status page or JSON request) waits for a fresh snapshot and a turn
// to render before it is answered 503; longer than a 10,000-endpoint scrape takes on a busy
// machine, shorter than Prometheus's usual scrape timeout.
constexpr auto kScrapeWait = std::chrono::seconds(8);

// A page for the query's filter (a bad one is a 400) from a kept snapshot of the renderer;
// nullopt when no snapshot slot became free in time (the server answers 503).
std::optional<HttpReply> RenderPage(
    ScrapeRenderer& renderer, const HttpQuery& query,
    const std::function<std::string(const DaemonSnapshot&, const EndpointFilter&)>& render) {
  EndpointFilter filter;
  std::string error;
  if (!ParseEndpointFilter(query, &filter, &error)) return HttpReply{400, error};
  std::optional<std::string> page = renderer.RenderWith(
      kScrapeWait, [&](const DaemonSnapshot& snapshot) { return render(snapshot, filter); });
  if (!page) return std::nullopt;
  return HttpReply{200, std::move(*page)};
}

HttpHandlers MakeHandlers(Monitor& monitor, Reloader& reloader, ScrapeRenderer& renderer,
                          const std::atomic<bool>& ready) {
  HttpHandlers handlers;
  handlers.metrics = [&renderer]() -> BodyPieces {
    std::shared_ptr<ScrapeRenderer::Scrape> scrape = renderer.Begin(kScrapeWait);
    if (!scrape) return nullptr;
    return [scrape] { return scrape->Next(); };
  };
  handlers.status_page = [&renderer, &monitor](const HttpQuery& query) {
    return RenderPage(renderer, query,
                      [&monitor](const DaemonSnapshot& snapshot, const EndpointFilter& filter) {
                        return RenderStatusPage(snapshot, filter, monitor.HistoryReader());
                      });
  };
  handlers.endpoints_json = [&renderer, &monitor](const HttpQuery& query) {
    return RenderPage(renderer, query,
                      [&monitor](const DaemonSnapshot& snapshot, const EndpointFilter& filter) {
                        return RenderEndpointsJson(snapshot, filter, monitor.HistoryReader());
                      });
  };
  handlers.healthy = [&monitor] { return monitor.Alive(); };
  handlers.ready = [&ready] { return ready.load(); };
  handlers.reload = [&reloader] { return reloader.Reload(); };
  return handlers;
}

// Consumes signals until SIGTERM/SIGINT; SIGHUP reloads on this same thread, so reloads are
// serialised and a storm of SIGHUPs coalesces instead of piling up threads.
void ServeSignals(const sigset_t& signals, Reloader& reloader) {
  for (;;) {
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (signal_number == SIGHUP) {
      log::Info("SIGHUP received, reloading");
      reloader.Reload();
      continue;
    }
    log::Info("shutting down", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
    return;
  }
}

}  // namespace

std::string VersionString() {
  return std::string("latencyd, version ") + BuildVersion() + " (revision: " + BuildRevision() +
         ")";
}

int RunDaemon(const DaemonOptions& options) {
  sigset_t signals = BlockDaemonSignals();
  PinMallocThresholds();
  RaiseFileLimit();
  log::Info("starting latencyd", {{"version", BuildVersion()}, {"revision", BuildRevision()}});
  SystemdNotifier notifier;
  Monitor monitor(Monitor::Options{options.probe_workers});
  Reloader reloader(options.config_file, options.shard, monitor, notifier);
  ScrapeRenderer renderer([&monitor](DaemonSnapshot& out) { monitor.SnapshotInto(out); });
  std::atomic<bool> ready{false};
  std::unique_ptr<HttpServer> server;
  std::unique_ptr<StateStore> store;
  if (!options.storage_path.empty()) {
    store = std::make_unique<StateStore>(options.storage_path);
    store->Load();
  }
  std::string endpoint_files_baseline;
  try {
    Monitor::StartHook restore = nullptr;
    if (store) {
      restore = [&store](const config::Endpoint& endpoint, EndpointState& state) {
        store->RestoreInto(endpoint, state, std::chrono::steady_clock::now(),
                           std::chrono::system_clock::now());
      };
    }
    config::Config config = reloader.Load();
    if (options.watch_interval.count() > 0 && !config.endpoint_files.empty()) {
      // Fingerprint, then load again: a file that lands before the fingerprint is in this load,
      // one that lands after it differs from the watcher's baseline. With only the first load,
      // a file landing between it and the watcher's start would never be read.
      endpoint_files_baseline = EndpointFilesFingerprint(config.endpoint_files);
      config = reloader.Load();
    }
    monitor.Apply(config, restore);
    if (store) store->FinishRestore();
    monitor.RecordReload(true, UnixNowSeconds());
    HttpServerOptions server_options;
    server_options.enable_lifecycle = options.enable_lifecycle;
    server = std::make_unique<HttpServer>(options.listen_address,
                                          MakeHandlers(monitor, reloader, renderer, ready),
                                          LoadWebSecurity(options.web_config_file), server_options);
  } catch (const std::exception& e) {
    log::Error("cannot start", {{"err", e.what()}});
    return kExitFailure;
  }
  ready = true;
  log::Info("probing started", {{"endpoints", std::to_string(monitor.endpoint_count())},
                                {"shard", std::to_string(options.shard.index) + "/" +
                                              std::to_string(options.shard.count)},
                                {"listen", options.listen_address},
                                {"port", std::to_string(server->port())}});
  notifier.Ready(SystemdNotifier::EndpointStatus(monitor.endpoint_count()));
  {
    WatchdogPinger watchdog([&monitor] { return monitor.Alive(); });
    std::unique_ptr<PeriodicCheckpoint> checkpoints;
    if (store) {
      checkpoints =
          std::make_unique<PeriodicCheckpoint>(*store, monitor, options.checkpoint_interval);
    }
    std::unique_ptr<EndpointFilesWatcher> watcher;
    if (options.watch_interval.count() > 0) {
      watcher = std::make_unique<EndpointFilesWatcher>(
          options.watch_interval, [&monitor] { return monitor.EndpointFilePatterns(); },
          [&reloader] { reloader.Reload(); }, endpoint_files_baseline);
    }
    ServeSignals(signals, reloader);
    notifier.Stopping();
    ready = false;
  }
  monitor.Stop();
  // After the probes stopped, so the file holds the final windows.
  if (store) store->Checkpoint(monitor);
  server.reset();
  log::Info("stopped");
  return kExitOk;
}

int CheckConfig(const std::string& config_file, std::ostream& out, std::ostream& err,
                bool read_secret_files) {
  try {
    config::Config config = config::LoadConfigFile(config_file, {read_secret_files});
    out << config_file << ": ok (" << config.endpoints.size() << " endpoints, "
        << config.classes.size() << " classes"
        << (read_secret_files ? "" : "; secret files not read") << ")\n";
    return kExitOk;
  } catch (const config::ConfigError& e) {
    for (const auto& diagnostic : e.diagnostics()) err << diagnostic.ToString() << "\n";
  } catch (const std::exception& e) {
    err << config_file << ": " << e.what() << "\n";
  }
  return kExitFailure;
}

}  // namespace latencyd
