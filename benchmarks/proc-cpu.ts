/** CPU time from /proc (Linux): what the API benchmarks report next to their figures on a shared machine. */
import { readFileSync } from 'node:fs';

/** CPU milliseconds (user + system, all threads) of a process so far, from /proc (undefined where there is none). */
export function processCpuMs(pid: number): number | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime, stime in clock ticks of 10 ms (USER_HZ 100)
  } catch {
    return undefined;
  }
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
