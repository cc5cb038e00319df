/*
 * idi-panel in C: the same loops as the engine's kernel (normalise -> aggregate -> rank), written as a
 * competent C programmer would: one fused pass over the rows (each column computes its leaves and every node
 * of the tree in registers/L1), then a specialised sort per group (scenario x year) and competition ranks.
 * Like the engine's kernel with keep 'root', it returns the index score and rank of every column (the other
 * entries' scores stay in registers). Reads the benchmark binary (benchmarks/bin.ts), runs the compute once
 * (the checked run), then warm-up runs until WARM_MS (the checked run included), then timed runs: at least REPS
 * and until MIN_MS of timed work (at most 500); reports its own timings (the compute only) and peak RSS as one JSON line, and writes
 * score/rank to OUT.
 *
 *   cc -O2 -o idi_panel idi_panel.c -lm && ./idi_panel INPUT.bin OUT.bin REPS [MIN_MS [WARM_MS]]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

static char *slurp(const char *path, long *size) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END); *size = ftell(f); fseek(f, 0, SEEK_SET);
  char *buf = malloc(*size);
  if (fread(buf, 1, *size, f) != (size_t)*size) { perror("read"); exit(2); }
  fclose(f);
  return buf;
}

/* Minimal lookups in the JSON header: an integer after "key": and an array's offset by name. */
static long json_int(const char *h, const char *key) {
  char pat[64]; snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(h, pat);
  if (!p) { fprintf(stderr, "missing %s\n", key); exit(2); }
  return strtol(p + strlen(pat), NULL, 10);
}
static long json_count(const char *h, const char *key) { /* length of a string array "key":[...] */
  char pat[64]; snprintf(pat, sizeof pat, "\"%s\":[", key);
  const char *p = strstr(h, pat);
  if (!p) { fprintf(stderr, "missing %s\n", key); exit(2); }
  long n = 0; int in = 0;
  for (p += strlen(pat); *p && *p != ']'; p++) { if (*p == '"') { if (!in) n++; in = !in; } }
  return n;
}
static void *array(const char *h, const char *base, const char *name) {
  char pat[96]; snprintf(pat, sizeof pat, "{\"name\":\"%s\",", name);
  const char *p = strstr(h, pat);
  if (!p) { fprintf(stderr, "missing array %s\n", name); exit(2); }
  const char *o = strstr(p, "\"offset\":");
  return (void *)(base + strtol(o + 9, NULL, 10));
}

typedef struct { double s; int32_t c; } Item;

/* Descending by score: insertion sort for short runs, quicksort (median of three) above. */
static void sort_desc(Item *a, int n) {
  while (n > 24) {
    Item *m = a + n / 2, *l = a, *r = a + n - 1, t;
    if (m->s > l->s) { t = *m; *m = *l; *l = t; }
    if (r->s > l->s) { t = *r; *r = *l; *l = t; }
    if (r->s > m->s) { t = *r; *r = *m; *m = t; }
    double pivot = m->s;
    int i = 0, j = n - 1;
    for (;;) {
      while (a[i].s > pivot) i++;
      while (a[j].s < pivot) j--;
      if (i >= j) break;
      t = a[i]; a[i] = a[j]; a[j] = t; i++; j--;
    }
    /* recurse into the smaller part, loop on the larger */
    if (j + 1 < n - j - 1) { sort_desc(a, j + 1); a += j + 1; n -= j + 1; }
    else { sort_desc(a + j + 1, n - j - 1); n = j + 1; }
  }
  for (int i = 1; i < n; i++) {
    Item x = a[i]; int j = i - 1;
    while (j >= 0 && a[j].s < x.s) { a[j + 1] = a[j]; j--; }
    a[j + 1] = x;
  }
}

static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static inline double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: idi_panel INPUT OUT REPS [MIN_MS [WARM_MS]]\n"); return 2; }
  long size; char *buf = slurp(argv[1], &size);
  uint32_t hl; memcpy(&hl, buf + 4, 4);
  char *h = malloc(hl + 1); memcpy(h, buf + 8, hl); h[hl] = 0;
  /* align the data section */
  long dsize = size - 8 - hl; char *base = aligned_alloc(64, (dsize + 63) / 64 * 64); memcpy(base, buf + 8 + hl, dsize); free(buf);
  const int K = json_int(h, "K"), Y = json_int(h, "nYears"), L = json_int(h, "L"), N = json_int(h, "N");
  const int E = json_count(h, "economies");
  const double *values = array(h, base, "values"), *weights = array(h, base, "weights"), *p1 = array(h, base, "p1");
  const uint8_t *method = array(h, base, "method");
  const int32_t *parent = array(h, base, "parent");
  const long C = (long)K * Y * E;
  int reps = atoi(argv[3]); if (reps < 1) reps = 1;
  const double min_ms = argc > 4 ? atof(argv[4]) : 0, warm_ms = argc > 5 ? atof(argv[5]) : 0;

  double *scores = NULL;
  int32_t *ranks = NULL;
  Item *items = malloc(sizeof(Item) * E);
  double acc[64], wsum[64], x[64];
  double times[500], first_ms = 0, warmed = 0, timed = 0; int nt = 0, warm_runs = 0;
  /* run 0: the checked run; then warm-up runs until warm_ms; then timed runs */
  for (int rep = 0; ; rep++) {
    int phase = rep == 0 ? 0 : warmed < warm_ms ? 1 : 2;
    if (phase == 2 && ((nt >= reps && timed >= min_ms) || nt >= 500)) break;
    double t0 = now_ms();
    /* A fresh output per run, as the engine's runKernel returns new arrays (the first touch of the pages is
       part of the work in both). */
    if (scores) { free(scores); free(ranks); }
    scores = malloc(sizeof(double) * C);
    ranks = malloc(sizeof(int32_t) * C);
    for (int k = 0; k < K; k++) {
      const double *w = weights + (long)k * N;
      for (int y = 0; y < Y; y++) {
        const long col0 = ((long)k * Y + y) * E;
        int n = 0;
        for (int e = 0; e < E; e++) {
          const long col = col0 + e;
          for (int j = L; j < N; j++) { acc[j] = 0; wsum[j] = 0; }
          /* fused: each leaf normalised and pushed to its parent, then each node finalised and pushed up */
          for (int l = 0; l < L; l++) {
            double v = values[((long)l * Y + y) * E + e], s;
            if (v != v) s = NAN;
            else if (method[l] == 1) s = v <= 1 ? 0 : clamp01(log10(v) / p1[l]);
            else s = clamp01(v / p1[l]);
            x[l] = s;
            if (s == s) { acc[parent[l]] += w[l] * s; wsum[parent[l]] += w[l]; }
          }
          for (int j = L; j < N; j++) {
            double s = wsum[j] == 0 ? NAN : acc[j] / wsum[j];
            x[j] = s;
            int p = parent[j];
            if (p >= 0 && s == s) { acc[p] += w[j] * s; wsum[p] += w[j]; }
          }
          double root = x[N - 1];
          scores[col] = root;
          ranks[col] = 0;
          if (root == root) { items[n].s = root; items[n].c = (int32_t)col; n++; }
        }
        sort_desc(items, n);
        for (int i = 0; i < n; i++) ranks[items[i].c] = (i > 0 && items[i].s == items[i - 1].s) ? ranks[items[i - 1].c] : i + 1;
      }
    }
    double t = now_ms() - t0;
    if (phase == 0) { first_ms = t; warmed = t; } /* the checked run counts towards the warm-up, as in peer.ts */
    else if (phase == 1) { warmed += t; warm_runs++; }
    else { times[nt++] = t; timed += t; }
  }
  FILE *o = fopen(argv[2], "wb");
  if (!o) { perror(argv[2]); return 2; }
  fwrite(scores, sizeof(double), C, o);
  fwrite(ranks, sizeof(int32_t), C, o);
  fclose(o);
  /* Peak resident memory: VmHWM of /proc/self/status (ru_maxrss keeps the forking parent's size from before exec). */
  double peak_mb = -1;
  FILE *st = fopen("/proc/self/status", "r");
  if (st) { char line[256]; long kb; while (fgets(line, sizeof line, st)) if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) peak_mb = kb / 1024.0; fclose(st); }
  if (peak_mb < 0) { struct rusage ru; getrusage(RUSAGE_SELF, &ru); peak_mb = ru.ru_maxrss / 1024.0; }
  printf("{\"first_ms\":%.4f,\"warmup_runs\":%d,\"warmup_ms\":%.4f,\"times_ms\":[", first_ms, warm_runs, warmed - first_ms);
  for (int i = 0; i < nt; i++) printf(i ? ",%.4f" : "%.4f", times[i]);
  printf("],\"peak_rss_mb\":%.1f}\n", peak_mb);
  return 0;
}
