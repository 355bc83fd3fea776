// The options of latencyd's allocator. jemalloc reads `malloc_conf` when it initialises, before
// main(); why jemalloc and why these options: allocator/README.md.
#ifndef LATENCYD_SYSTEM_MALLOC
#include <jemalloc/jemalloc.h>

// background_thread: free pages go back to the kernel from jemalloc's own threads, never in
// the middle of a probe loop's turn (glibc's malloc_trim stalled a loop 2-46 ms).
// dirty_decay_ms: pages freed after a burst of probes in flight are given back over about a
// second instead of jemalloc's default ten, so RSS follows the probes in flight, not the
// largest burst so far; bursts are rare enough that refaulting those pages costs little.
// muzzy_decay_ms:0 (jemalloc's default, stated): given back with MADV_DONTNEED, which lowers
// RSS at once, not MADV_FREE, which the kernel reclaims only under memory pressure.
// max_background_threads:1: purging is little work; one thread does it for every arena
// (jemalloc would otherwise start up to four here).
const char* malloc_conf =
    "background_thread:true,max_background_threads:1,dirty_decay_ms:1000,muzzy_decay_ms:0";
#endif
