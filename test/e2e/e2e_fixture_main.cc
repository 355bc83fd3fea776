// The fixture endpoints of the end-to-end test as a process: a latencyd::testing::FixtureServer
// whose /r/<name> routes the Python test script creates and changes over stdin.
//
//   e2e_fixture NAME=DELAY_US:STATUS...   prints "port <n>" once listening, then reads lines
//                                         "set NAME DELAY_US STATUS" (answers "ok" / "error ...")
//                                         and exits when stdin closes.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "test/support/fixture_server.h"

namespace {

bool ParseRoute(const std::string& spec, std::string& name, long long& delay_us, int& status) {
  const auto eq = spec.find('=');
  const auto colon = spec.find(':', eq == std::string::npos ? 0 : eq);
  if (eq == std::string::npos || eq == 0 || colon == std::string::npos) return false;
  name = spec.substr(0, eq);
  try {
    delay_us = std::stoll(spec.substr(eq + 1, colon - eq - 1));
    status = std::stoi(spec.substr(colon + 1));
  } catch (const std::exception&) {
    return false;
  }
  return delay_us >= 0 && status >= 100 && status <= 599;
}

}  // namespace

int main(int argc, char** argv) {
  latencyd::testing::FixtureServer server;
  for (int i = 1; i < argc; ++i) {
    std::string name;
    long long delay_us = 0;
    int status = 200;
    if (!ParseRoute(argv[i], name, delay_us, status)) {
      std::cerr << "bad route " << argv[i] << " (want NAME=DELAY_US:STATUS)\n";
      return 2;
    }
    server.SetRoute(name, std::chrono::microseconds(delay_us), status);
  }
  std::cout << "port " << server.port() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream words(line);
    std::string verb, name;
    long long delay_us = -1;
    int status = 0;
    if (words >> verb >> name >> delay_us >> status && verb == "set" && delay_us >= 0 &&
        status >= 100 && status <= 599) {
      server.SetRoute(name, std::chrono::microseconds(delay_us), status);
      std::cout << "ok" << std::endl;
    } else {
      std::cout << "error: want \"set NAME DELAY_US STATUS\"" << std::endl;
    }
  }
  return 0;
}
