/**
 * The server's glibc malloc settings, one value each (SECURITY.md, limits): environment variables that glibc reads
 * only when a process starts, so `ictstat serve` runs itself again with them where they are unset
 * (src/cli/malloc-env.ts). By default glibc gives each thread that mallocs its own arena, up to 8 per core, keeps
 * what is freed in each, and raises its mmap threshold as large blocks are freed (so that later ones come from the
 * arenas and stay there): with the event loop, libuv's pool, V8's and the computation threads, the soak's server
 * held 14 arenas, 130-200 MiB resident besides the main one, filling over its first 30 s. Two arenas and a fixed
 * threshold (blocks of 32 KiB and more mapped on their own, returned when freed): at 128 KiB the main arena still
 * grew 55 -> 99 MiB over a 180-s soak, most of it free but fragmented (malloc_trim(0) from gdb gave back 20 MiB at
 * 60 s), the answers' bodies and encodings of 32-128 KiB freed among live blocks; at 32 KiB it grew 4 MiB over
 * 120 s, at the same CPU (SECURITY.md "Session 10").
 */
export const SERVER_MALLOC_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '32768' };
