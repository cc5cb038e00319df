import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadMethodology, methodologySchema, precompiledValidatorPath, validatedAheadPath, validatedAheadRecord } from '../../src/idi/methodology.js';
import { UserInputError } from '../../src/util/errors.js';
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

describe('the methodologies validated ahead (dist/snapshot/methodologies-valid.json)', () => {
  const dir = join(indicatorsDir(), 'methodologies');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'));

  it('records every bundled methodology, by the SHA-256 of its bytes, under the schema the registries give today', () => {
    const record = JSON.parse(readFileSync(validatedAheadPath(), 'utf8')) as { schemaKey: string; sha256: string[] };
    expect(record).toEqual(validatedAheadRecord());
    expect(record.schemaKey).toBe(methodologySchema().key);
    const hashes = files.map((f) =>
      createHash('sha256')
        .update(readFileSync(join(dir, f), 'utf8'))
        .digest('hex'),
    );
    expect([...hashes].sort()).toEqual(record.sha256);
  });

  it('a file with other bytes is validated at load: an edit that breaks the schema is reported as before', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ictstat-ahead-'));
    try {
      const doc = JSON.parse(readFileSync(join(dir, 'idi-2017.json'), 'utf8'));
      const file = join(tmp, 'edited.json');
      writeFileSync(file, JSON.stringify({ ...doc, scale: 'ten' }));
      expect(() => loadMethodology(file)).toThrow(UserInputError);
      expect(() => loadMethodology(file)).toThrow(/\/scale: must be number/);
      // the same document as the bundled file's bytes loads as the bundled id does
      writeFileSync(file, readFileSync(join(dir, 'idi-2017.json')));
      expect(loadMethodology(file).indicators).toEqual(loadMethodology('idi-2017').indicators);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
