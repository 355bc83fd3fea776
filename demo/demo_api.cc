// latencyd-demo-api: an HTTP API whose endpoints answer with the medians the reference
// FastAPI service measured, so latencyd can be demonstrated and tested against known values.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <thread>

#include "demo/routes.h"
#include "demo/service_time.h"

namespace latencyd::demo {
namespace {

struct Options {
  std::string listen = "127.0.0.1:18000";
  double slow_factor = 1.0;
  double overhead_us = 230.0;  // measured with curl on loopback, fresh connections
  double jitter_sigma = 0.03;
  int threads = 64;
  unsigned seed = 0;
};

bool SplitHostPort(const std::string& listen, std::string& host, int& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = listen.substr(0, colon);
  try {
    std::size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    return used == listen.size() - colon - 1 && port >= 0 && port <= 65535;
  } catch (const std::exception&) {
    return false;
  }
}

// Signals are blocked in every thread and consumed here, so stopping the server never runs
// inside a signal handler.
void StopOnSignal(httplib::Server& server, sigset_t signals) {
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server.stop();
}

int Run(const Options& options) {
  std::string host;
  int port = 0;
  if (!SplitHostPort(options.listen, host, port)) {
    std::cerr << "latencyd-demo-api: --listen must be HOST:PORT, got " << options.listen << "\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const unsigned seed = options.seed != 0 ? options.seed : std::random_device{}();
  ServiceTimeModel model(Micros{options.overhead_us}, options.jitter_sigma, seed);
  model.set_slow_factor(options.slow_factor);

  httplib::Server server;
  // Async calls hold a worker for up to half a second each; the default pool (one per core)
  // would queue concurrent probes and inflate their latency.
  const int threads = options.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  RegisterRoutes(server, model);

  const int bound = port == 0                         ? server.bind_to_any_port(host)
                    : server.bind_to_port(host, port) ? port
                                                      : -1;
  if (bound <= 0) {
    std::cerr << "latencyd-demo-api: cannot listen on " << options.listen << "\n";
    return 1;
  }
  std::cout << "listening on http://" << host << ":" << bound << std::endl;
  std::thread stopper(StopOnSignal, std::ref(server), signals);
  stopper.detach();
  const bool ok = server.listen_after_bind();
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace latencyd::demo

int main(int argc, char** argv) {
  latencyd::demo::Options options;
  CLI::App app{"latencyd-demo-api: endpoints that mimic the reference FastAPI service"};
  app.add_option("--listen", options.listen, "HOST:PORT to listen on (port 0 picks one)")
      ->capture_default_str();
  app.add_option("--slow-factor", options.slow_factor,
                 "multiply every latency, to simulate a regression (also POST /admin/slow)")
      ->check(CLI::Range(0.001, 1000.0))
      ->capture_default_str();
  app.add_option("--overhead-us", options.overhead_us,
                 "the server's own per-request overhead as a client sees it, subtracted from "
                 "every target")
      ->check(CLI::Range(0.0, 100000.0))
      ->capture_default_str();
  app.add_option("--jitter", options.jitter_sigma, "sigma of the lognormal jitter")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--threads", options.threads, "worker threads")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--seed", options.seed, "random seed (0: random)");
  CLI11_PARSE(app, argc, argv);
  return latencyd::demo::Run(options);
}
