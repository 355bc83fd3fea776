// An allocator arena for threads whose allocations are large and short-lived: the HTTP
// server's, where a scrape of /metrics, the status page or the JSON allocates its buffers and
// frees them when it answers. The arena gives pages back to the kernel a tenth of a second
// after they are freed, not after the process's decay of a second and more
// (allocator/allocator.cc), so RSS between scrapes does not depend on how recently the last
// one ended (why: allocator/README.md).
#pragma once

namespace latencyd::allocator {

// Makes the calling thread allocate from that arena from now on (the arena is created at the
// first call, shared by every thread that calls this). False when the process does not run on
// jemalloc (sanitizer builds, tests on the system malloc) or jemalloc refused: the thread then
// keeps the arena it had, which is correct, only slower to give memory back.
bool UseReturningArena();

}  // namespace latencyd::allocator
