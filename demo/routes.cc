#include "demo/routes.h"

#include <httplib.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace latencyd::demo {
namespace {

constexpr char kJson[] = "application/json";
constexpr double kMaxSlowFactor = 1000.0;

double UnixSeconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string Timestamp() {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", UnixSeconds());
  return buf;
}

std::string Number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  return buf;
}

// Bodies of the async operations: each reports the simulated sub-tasks, like the reference
// service's asyncio.gather() demos do.
std::string AsyncBody(const std::string& name, int tasks, double task_ms) {
  std::string body = "{\"operation\":\"" + name + "\",\"status\":\"completed\",\"results\":[";
  for (int i = 0; i < tasks; ++i) {
    if (i > 0) body += ',';
    body += "{\"task\":" + std::to_string(i + 1) +
            ",\"status\":\"done\",\"duration_ms\":" + Number(task_ms) + "}";
  }
  return body + "],\"concurrent\":true,\"timestamp\":" + Timestamp() + "}";
}

void HandleSlow(const httplib::Request& req, httplib::Response& res, ServiceTimeModel& model) {
  if (req.method == "POST") {
    const std::string raw = req.get_param_value("factor");
    char* end = nullptr;
    const double factor = std::strtod(raw.c_str(), &end);
    if (raw.empty() || *end != '\0' || !std::isfinite(factor) || factor <= 0 ||
        factor > kMaxSlowFactor) {
      res.status = 422;
      res.set_content("{\"detail\":\"factor must be a number in (0, 1000]\"}", kJson);
      return;
    }
    model.set_slow_factor(factor);
  }
  res.set_content("{\"slow_factor\":" + Number(model.slow_factor()) + "}", kJson);
}

}  // namespace

const std::vector<DemoEndpoint>& DemoEndpoints() {
  static const std::vector<DemoEndpoint> kEndpoints = {
      {"/", "main_root", Micros{716.1}, false},
      {"/plone/info", "plone_info", Micros{683.6}, false},
      {"/health", "health_check", Micros{731.7}, false},
      {"/content", "content_list", Micros{822.3}, false},
      {"/main/health", "main_health", Micros{1939.8}, false},
      {"/root", "root_endpoint", Micros{2020.9}, false},
      {"/async/demo", "async_demo", Micros{152900}, true},
      {"/async/advanced", "advanced_patterns", Micros{343000}, true},
      {"/async/tasks", "async_tasks_demo", Micros{503300}, true},
  };
  return kEndpoints;
}

std::string BodyFor(const DemoEndpoint& endpoint) {
  const std::string& n = endpoint.name;
  if (n == "main_root") {
    return R"({"message":"Welcome to EduHub API","version":"2.0.0","docs":"/docs"})";
  }
  if (n == "plone_info") {
    return R"({"plone_url":"http://localhost:8080/Plone","site_id":"Plone","status":"connected",)"
           R"("version":"6.0.9"})";
  }
  if (n == "health_check") return "{\"status\":\"healthy\",\"timestamp\":" + Timestamp() + "}";
  if (n == "content_list") {
    return R"({"items":[{"id":"welcome","title":"Welcome","type":"Document"},)"
           R"({"id":"news","title":"News","type":"Folder"},)"
           R"({"id":"events","title":"Events","type":"Folder"}],"total":3})";
  }
  if (n == "main_health") {
    return "{\"status\":\"healthy\",\"services\":{\"api\":\"up\",\"plone\":\"up\",\"database\":"
           "\"up\"},\"timestamp\":" +
           Timestamp() + "}";
  }
  if (n == "root_endpoint") {
    return R"({"service":"eduhub","endpoints":["/health","/content","/plone/info",)"
           R"("/async/demo"],"python":"3.11"})";
  }
  if (n == "async_demo") return AsyncBody(n, 3, 150.0);
  if (n == "advanced_patterns") return AsyncBody(n, 4, 340.0);
  return AsyncBody(n, 6, 500.0);
}

void RegisterRoutes(httplib::Server& server, ServiceTimeModel& model) {
  for (const DemoEndpoint& endpoint : DemoEndpoints()) {
    server.Get(endpoint.path, [&model, &endpoint](const httplib::Request&, httplib::Response& res) {
      Work(model.Draw(endpoint.target_median));
      res.set_header("Server", "uvicorn");
      res.set_content(BodyFor(endpoint), kJson);
    });
  }
  auto slow = [&model](const httplib::Request& req, httplib::Response& res) {
    HandleSlow(req, res, model);
  };
  server.Get("/admin/slow", slow);
  server.Post("/admin/slow", slow);
  // FastAPI's shape for errors (only when no handler wrote a body).
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const char* detail = res.status == 404   ? "Not Found"
                         : res.status == 405 ? "Method Not Allowed"
                                             : "Bad Request";
    res.set_content(std::string("{\"detail\":\"") + detail + "\"}", kJson);
  });
}

}  // namespace latencyd::demo
