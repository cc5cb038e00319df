import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sceneOf } from '../../src/report/svg/index.js';
import { compareScenes, vegaScene } from './svg-oracle.js';

const dir = process.env.H8_SPECS;
describe.runIf(dir)('dev compare', () => {
  for (const id of (process.env.H8_IDS ?? 'idi-map').split(','))
    it(id, async () => {
      const spec = JSON.parse(readFileSync(`${dir}/${id}.json`, 'utf8'));
      const ours = sceneOf(spec, id)!;
      const d = compareScenes(ours, await vegaScene(spec));
      console.log(d.length, ours.items.length, ours.width, ours.height, d.slice(0, 20).join('\n'));
      expect(d).toEqual([]);
    });
});
