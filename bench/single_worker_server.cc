#include "bench/single_worker_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace latencyd::bench {
namespace {

int Listen(const std::string& address, int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  if (fd < 0 || inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 128) != 0) {
    throw std::runtime_error("cannot listen on " + address + ": " + std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

SingleWorkerServer::SingleWorkerServer(const std::vector<std::string>& addresses,
                                       std::chrono::microseconds service_time)
    : addresses_(addresses), service_time_(service_time) {
  for (const std::string& address : addresses_) {
    int port = 0;
    listeners_.push_back(Listen(address, &port));
    ports_.push_back(port);
  }
  worker_ = std::thread([this] { Serve(); });
}

SingleWorkerServer::~SingleWorkerServer() {
  stop_ = true;
  worker_.join();
  for (int fd : listeners_) close(fd);
}

std::string SingleWorkerServer::BaseUrl(std::size_t i) const {
  return "http://" + addresses_.at(i) + ":" + std::to_string(ports_.at(i));
}

void SingleWorkerServer::Serve() {
  std::vector<pollfd> fds;
  for (int fd : listeners_) fds.push_back({fd, POLLIN, 0});
  while (!stop_) {
    if (poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (const pollfd& p : fds) {
      if (!(p.revents & POLLIN)) continue;
      const int client = accept4(p.fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) Answer(client);
    }
  }
}

void SingleWorkerServer::Answer(int fd) {
  // Read the request head (bounded), work for the service time, answer, close.
  std::string head;
  char buf[2048];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 1000) <= 0) break;
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  std::this_thread::sleep_for(service_time_);
  static const char kResponse[] =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  ssize_t ignored = write(fd, kResponse, sizeof kResponse - 1);
  (void)ignored;
  close(fd);
}

}  // namespace latencyd::bench
