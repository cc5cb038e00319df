/**
 * The server's computations (IDI answers, sensitivity analyses, index builds, submissions, estimates, report
 * builds) run at a lower OS priority than its event loop, so that on a busy machine the thread that answers from
 * memory is scheduled first and a computation takes the cores it leaves. Linux sets nice values per thread
 * (setpriority(PRIO_PROCESS, 0) is the calling thread), so a worker thread lowers its own; threads it starts
 * later (the scenario threads of an analysis) inherit it. Elsewhere the call would lower the whole process: only
 * a child process (a report build) lowers itself there.
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value of the server's computations (0 is the event loop's; 19 the lowest). */
export const BACKGROUND_NICE = 10;

/** Lower the calling worker thread's priority (Linux only: elsewhere it would lower the whole server). */
export function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(BACKGROUND_NICE);
  } catch {
    // not permitted (a container's seccomp profile): the computation runs at the server's priority
  }
}

/** Lower the priority of the calling process (a child of the server): on Linux each of its threads. */
export function lowerProcessPriority(): void {
  try {
    if (process.platform !== 'linux') setPriority(BACKGROUND_NICE);
    else for (const t of readdirSync('/proc/self/task')) setPriority(Number(t), BACKGROUND_NICE);
  } catch {
    // as above
  }
}
