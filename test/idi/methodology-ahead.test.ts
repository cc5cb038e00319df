import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { methodologySchema, precompiledValidatorPath } from '../../src/idi/methodology.js';
import { indicatorsDir } from '../../src/util/paths.js';

/**
 * `npm run build` writes the methodology validator compiled ahead (Ajv standalone code), so commands do not load
 * Ajv's compiler. It is used only for the schema it was built from (its key), and it must judge as Ajv does.
 */
const require = createRequire(import.meta.url);
type Validate = ((x: unknown) => boolean) & { errors?: unknown[] | null };

describe('the methodology validator compiled ahead', () => {
  const ahead = require(precompiledValidatorPath()) as Validate & { schemaKey: string; validate: Validate };
  const { schema, key } = methodologySchema();
  const Ajv = require('ajv').default;
  const compiled: Validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it('was built from the schema the registries give today', () => {
    expect(ahead.schemaKey).toBe(key);
  });

  it('accepts every bundled methodology and rejects broken ones with the same errors as Ajv', () => {
    const dir = join(indicatorsDir(), 'methodologies');
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))) {
      expect(ahead.validate(JSON.parse(readFileSync(join(dir, f), 'utf8'))), f).toBe(true);
    }
    const doc = JSON.parse(readFileSync(join(dir, 'idi-2017.json'), 'utf8'));
    const broken = [
      { ...doc, id: 7 },
      { ...doc, root: { ...doc.root, weight: 'heavy' } },
      { ...doc, unknownTopLevel: true, root: undefined },
      { ...doc, root: { ...doc.root, components: [{ indicator: 'x', normalise: { method: 'no-such-method' } }] } },
    ];
    for (const b of broken) {
      const a = ahead.validate(b);
      const aErrors = structuredClone(ahead.validate.errors);
      expect(a).toBe(compiled(b));
      expect(a).toBe(false);
      expect(aErrors).toEqual(compiled.errors);
    }
  });
});
