// The parts of autocannon's API that benchmarks/api-load.ts uses (autocannon ships no types).
declare module 'autocannon' {
  namespace autocannon {
    interface Options { url: string; connections?: number; duration?: number; headers?: Record<string, string> }
    interface Histogram { average: number; p50: number; p99: number }
    interface Result { requests: Histogram; latency: Histogram; errors: number; timeouts: number; non2xx: number }
  }
  function autocannon(opts: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}
