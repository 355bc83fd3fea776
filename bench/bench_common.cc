// Flags, quantiles and formatting.
#include "bench/bench_common.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <utility>

#include "daemon/window/quantile.h"

namespace latencyd::bench {

int RunBench(const char* program, int argc, char** argv, const std::string& usage,
             std::map<std::string, std::string> defaults, int (*run)(const Flags& flags)) {
  const Flags flags(argc, argv, usage, std::move(defaults));
  try {
    return run(flags);
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << "\n";
    return 1;
  }
}

Flags::Flags(int argc, char** argv, const std::string& usage,
             std::map<std::string, std::string> defaults)
    : values_(std::move(defaults)) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage << "\nflags (defaults):\n";
      for (const auto& [name, value] : values_) std::cout << "  --" << name << "=" << value << "\n";
      std::exit(0);
    }
    std::size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos || values_.count(name) == 0) {
      std::cerr << "unknown or malformed flag: " << arg << " (try --help)\n";
      std::exit(2);
    }
    values_[name] = arg.substr(eq + 1);
  }
}

double Flags::Num(const std::string& name) const {
  return std::strtod(values_.at(name).c_str(), nullptr);
}

std::vector<int> Flags::IntList(const std::string& name) const {
  std::vector<int> list;
  std::istringstream text(values_.at(name));
  std::string item;
  while (std::getline(text, item, ',')) {
    if (!item.empty()) list.push_back(std::atoi(item.c_str()));
  }
  return list;
}

double Quantile(std::vector<double>& values, double q) {
  // The daemon's own definition, so the raw client's figures are comparable by construction.
  std::sort(values.begin(), values.end());
  return ExactQuantile(values, q);
}

std::string Fixed(double value, int digits) {
  if (std::isnan(value) || value < 0) return "n/a";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

std::string Ratio(double numerator, double denominator) {
  if (std::isnan(numerator) || std::isnan(denominator) || denominator <= 0) return "n/a";
  return Fixed(numerator / denominator, 2) + "x";
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

std::string MachineSummary() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " x " + model;
}

std::string UtcNow() {
  std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buffer;
}

void SleepSeconds(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

}  // namespace latencyd::bench
