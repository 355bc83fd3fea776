// The demo API's routes: the reference service's endpoints with their measured medians and
// FastAPI-like JSON bodies, plus the admin route that simulates a regression.
#pragma once

#include <string>
#include <vector>

#include "demo/service_time.h"

namespace httplib {
class Server;
}

namespace latencyd::demo {

// One simulated endpoint. target_median is the end-to-end median the report measured on
// Python 3.11 (pytest-benchmark, fresh client per call).
struct DemoEndpoint {
  std::string path;
  std::string name;  // the benchmark name, also the latencyd endpoint name in config/demo.yml
  Micros target_median;
  bool async;  // an async operation (100 ms class) rather than a core endpoint (5 ms class)
};

// The nine endpoints of the reference report, core first.
const std::vector<DemoEndpoint>& DemoEndpoints();

// The JSON body a FastAPI app would return for `endpoint`.
std::string BodyFor(const DemoEndpoint& endpoint);

// Registers every demo route and the admin routes on `server`. `model` must outlive it.
void RegisterRoutes(httplib::Server& server, ServiceTimeModel& model);

}  // namespace latencyd::demo
