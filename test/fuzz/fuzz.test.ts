import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REGRESSIONS_DIR, TARGETS, fuzzTarget } from '../../scripts/fuzz/targets.js';

/** A small smoke of `npm run fuzz` (which runs 100,000 inputs), and every input that once failed. */
describe('fuzz smoke', () => {
  for (const t of TARGETS) {
    it(`${t.name}: 150 generated inputs, no crash, no hang, located errors`, async () => {
      const r = await fuzzTarget(t, 150, 20261128, false);
      expect(r.failure).toBeUndefined();
      expect(r.runs).toBe(150);
    });
  }
});

describe('fuzz regressions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-fuzz-regressions-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const files = readdirSync(REGRESSIONS_DIR()).filter((f) => f.endsWith('.bin'));
  for (const f of files) {
    it(`replays ${f}`, async () => {
      const target = TARGETS.find((t) => f.startsWith(`${t.name}-`));
      if (!target) throw new Error(`no fuzz target for ${f}`);
      await target.check(new Uint8Array(readFileSync(join(REGRESSIONS_DIR(), f))), dir);
    });
  }
});
