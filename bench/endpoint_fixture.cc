#include "bench/endpoint_fixture.h"

#include <string>

namespace latencyd::bench {

config::Endpoint CoreEndpoint(int i, std::chrono::seconds window,
                              std::chrono::milliseconds interval) {
  config::Endpoint endpoint;
  endpoint.name = "e" + std::to_string(100000 + i);
  endpoint.url = "http://127.0.0.1:8000/probe.txt";
  endpoint.class_name = "core";
  endpoint.interval = interval;
  endpoint.timeout = interval;
  endpoint.window = window;
  endpoint.quantiles = {0.5, 0.9, 0.95, 0.99};
  return endpoint;
}

}  // namespace latencyd::bench
