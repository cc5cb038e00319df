/**
 * The server's glibc malloc settings, one value each (SECURITY.md, limits): environment variables that glibc reads
 * only when a process starts, so `ictstat serve` runs itself again with them where they are unset
 * (src/cli/malloc-env.ts). By default glibc gives each thread that mallocs its own arena, up to 8 per core, keeps
 * what is freed in each, and raises its mmap threshold as large blocks are freed (so that later ones come from the
 * arenas and stay there): with the event loop, libuv's pool, V8's and the computation threads, the soak's server
 * held 14 arenas, 130-200 MiB resident besides the main one, filling over its first 30 s. Two arenas and a fixed
 * threshold (blocks of 128 KiB and more mapped on their own, returned when freed): the soak ends at 341 MiB against
 * 430-481 (measured, SECURITY.md "Session 9 (second round)").
 */
export const SERVER_MALLOC_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };
