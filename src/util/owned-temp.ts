/**
 * Temporary directories that say who owns them: each holds an `owner` file with the pid of the process that made
 * it. The owner removes its directories when done (success, failure, shutdown); a process that was killed cannot,
 * so the next server to start sweeps the directories of its prefix whose owner is no longer alive.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function ownedTempDir(parent: string, prefix: string): string {
  const dir = mkdtempSync(join(parent, prefix));
  writeFileSync(join(dir, 'owner'), String(process.pid), { mode: 0o600 });
  return dir;
}

/** Directories older than this without a readable owner file (a kill between mkdtemp and the write) are swept too. */
const UNOWNED_AGE_MS = 60 * 60 * 1000;

function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

/** Remove `parent/<prefix>*` directories whose owner has exited; the number removed. */
export function sweepOrphans(parent: string, prefixes: readonly string[], now = Date.now()): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!prefixes.some((p) => name.startsWith(p))) continue;
    const dir = join(parent, name);
    let owner: number | undefined;
    try {
      owner = Number(readFileSync(join(dir, 'owner'), 'utf8').trim());
    } catch {
      owner = undefined;
    }
    try {
      const orphan = owner !== undefined ? owner !== process.pid && !alive(owner) : now - statSync(dir).mtimeMs > UNOWNED_AGE_MS;
      if (!orphan) continue;
      rmSync(dir, { recursive: true, force: true });
      removed++;
    } catch {
      // Not ours to remove (permissions) or gone already.
    }
  }
  return removed;
}
