#include "daemon/web/connection_threads.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "allocator/thread_arena.h"

namespace latencyd {
namespace {

// On Linux a nice value belongs to a thread (PRIO_PROCESS with a thread id), so this leaves
// the process's other threads alone. Raising one's own nice value needs no privilege; a
// failure only means the thread keeps the process's priority.
void LowerOwnPriority(int increment) {
  if (increment <= 0) return;
  const id_t thread = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;
  const int current = getpriority(PRIO_PROCESS, thread);
  if (errno != 0) return;
  setpriority(PRIO_PROCESS, thread, current + increment);
}

}  // namespace

ConnectionThreads::ConnectionThreads(std::size_t max_threads, std::size_t stack_bytes,
                                     std::chrono::milliseconds idle_exit, int nice_increment)
    : max_threads_(max_threads),
      stack_bytes_(stack_bytes),
      idle_exit_(idle_exit),
      nice_increment_(nice_increment) {}

ConnectionThreads::~ConnectionThreads() { shutdown(); }

std::size_t ConnectionThreads::threads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_;
}

void ConnectionThreads::enqueue(std::function<void()> task) {
  JoinExited();
  std::unique_lock<std::mutex> lock(mutex_);
  queue_.push_back(std::move(task));
  if (queue_.size() > idle_ && threads_ < max_threads_ && StartThread()) return;
  if (threads_ == 0) {
    // No thread could be started at all: run it here rather than never (it owns a socket).
    std::function<void()> now = std::move(queue_.back());
    queue_.pop_back();
    lock.unlock();
    now();
    return;
  }
  work_or_stop_.notify_one();
}

bool ConnectionThreads::StartThread() {
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, stack_bytes_);
  pthread_t thread;
  bool started = pthread_create(&thread, &attributes, &ConnectionThreads::ThreadMain, this) == 0;
  pthread_attr_destroy(&attributes);
  if (started) ++threads_;
  return started;
}

void* ConnectionThreads::ThreadMain(void* self) {
  // What a request allocates here (a scrape's buffers, a page) is freed when it is answered;
  // this arena gives those pages back to the kernel within 0.1 s (allocator/thread_arena.h).
  allocator::UseReturningArena();
  LowerOwnPriority(static_cast<ConnectionThreads*>(self)->nice_increment_);
  static_cast<ConnectionThreads*>(self)->Work();
  return nullptr;
}

void ConnectionThreads::Work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (queue_.empty() && !stopping_) {
      ++idle_;
      bool woken =
          work_or_stop_.wait_for(lock, idle_exit_, [this] { return !queue_.empty() || stopping_; });
      --idle_;
      if (!woken) break;  // idle long enough: give the thread back
    }
    if (queue_.empty()) break;  // stopping, nothing left
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // what it captured goes now, not when the thread exits
    lock.lock();
  }
  --threads_;
  exited_.push_back(pthread_self());
  all_exited_.notify_all();
}

void ConnectionThreads::JoinExited() {
  std::vector<pthread_t> exited;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    exited.swap(exited_);
  }
  for (pthread_t thread : exited) pthread_join(thread, nullptr);
}

void ConnectionThreads::shutdown() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    stopping_ = true;
    work_or_stop_.notify_all();
    all_exited_.wait(lock, [this] { return threads_ == 0; });
  }
  JoinExited();
}

}  // namespace latencyd
