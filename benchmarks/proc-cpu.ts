/** CPU time from /proc (Linux): what the API benchmarks report next to their figures on a shared machine. */
import { readFileSync } from 'node:fs';

/**
 * CPU milliseconds (user + system, all threads) so far of a process and of its children still running, from /proc
 * (undefined where there is none): `ictstat serve` may be a process that runs the server as its child (where the
 * malloc settings were unset, src/cli/malloc-env.ts), and the server is what the figures are of.
 */
export function processCpuMs(pid: number, depth = 0): number | undefined {
  let own: number;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    own = (Number(f[11]) + Number(f[12])) * 10; // utime, stime in clock ticks of 10 ms (USER_HZ 100)
  } catch {
    return undefined;
  }
  if (depth >= 4) return own;
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // no children file (kernel without it): the process alone
  }
  return children.reduce((t, c) => t + (processCpuMs(Number(c), depth + 1) ?? 0), own);
}

/** Busy CPU milliseconds of the whole machine so far (all cores: user, nice, system, irq, softirq, steal), from /proc/stat. */
export function machineBusyMs(): number | undefined {
  try {
    const t = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (t[0] + t[1] + t[2] + t[5] + t[6] + t[7]) * 10;
  } catch {
    return undefined;
  }
}
