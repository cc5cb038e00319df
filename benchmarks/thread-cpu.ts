/**
 * `node dist/benchmarks/thread-cpu.js [--every-ms 5] -- COMMAND ARGS...` (Linux): runs a command and prints the
 * CPU time of each of its threads (user + system, from `/proc/<pid>/task/<tid>/stat`, read every 5 ms while it
 * runs; a thread's last reading counts, so a thread that ends between two readings loses at most 5 ms), in the
 * order the threads were created, then the sum and the wall time. A Node process's threads, in that order: the main
 * thread, V8's background threads (optimising compiles, GC helpers; 4 on this machine), libuv's, then each worker
 * thread as it starts (the report's: the charts, then the sensitivity's scenario ranks). Threads under 20 ms are
 * summed but not listed. Exits with the command's code (1 if it died of a signal, 2 if it could not start). Written for session 7 (benchmarks/RESULTS.md): a CPU profile's busy time counts the
 * moments a thread was runnable but not running, and V8's background threads appear in no profile.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let every = 5;
if (args[0] === '--every-ms') {
  every = Number(args[1]);
  args.splice(0, 2);
}
if (args[0] === '--') args.shift();
if (!args.length || !(every > 0)) {
  process.stderr.write('usage: thread-cpu [--every-ms N] -- COMMAND ARGS...\n');
  process.exit(2);
}

/** clock ticks per second of /proc's utime and stime: 100 on Linux (USER_HZ) whatever the kernel's HZ. */
const TICKS = 100;
const started = performance.now();
const child = spawn(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
const threads = new Map<number, { name: string; ms: number }>();
function read(): void {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${child.pid}/task`);
  } catch {
    return;
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${child.pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // the name is in parentheses and may hold spaces; utime and stime are fields 14 and 15
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    threads.set(Number(tid), { name, ms: ((Number(f[11]) + Number(f[12])) * 1000) / TICKS });
  }
}
const timer = setInterval(read, every);
child.on('error', (err) => {
  // a command that cannot start (not found, not executable): say so, no figures
  clearInterval(timer);
  process.stderr.write(`thread-cpu: cannot run ${args[0]}: ${err.message}\n`);
  process.exitCode = 2;
});
child.on('exit', (code, signal) => {
  clearInterval(timer);
  const wall = (performance.now() - started) / 1000;
  const rows = [...threads].sort((a, b) => a[0] - b[0]);
  const sum = rows.reduce((s, [, t]) => s + t.ms, 0);
  const shown = rows.filter(([, t]) => t.ms >= 20).map(([tid, t]) => `${t.name}+${tid - child.pid!} ${t.ms.toFixed(0)}`);
  process.stdout.write(`wall ${wall.toFixed(2)} s; CPU ms by thread: ${shown.join(', ')}; sum ${sum.toFixed(0)} ms; exit ${code ?? signal}\n`);
  // the command's own outcome, so a failed run is not taken for a measurement
  process.exitCode = code ?? 1;
});
