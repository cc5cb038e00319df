import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indicatorsDir } from '../util/paths.js';

/** The ids of the bundled methodologies. */
export function bundledMethodologies(): string[] {
  return readdirSync(join(indicatorsDir(), 'methodologies'))
    .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/**
 * The edition each bundled methodology file declares (read from the JSON, not compiled): what choosing the
 * methodology of an edition needs, without loading the methodology compiler and the index code.
 */
export function bundledMethodologyEditions(): Array<{ id: string; edition: number | undefined }> {
  return bundledMethodologies().map((id) => {
    const spec = JSON.parse(readFileSync(join(indicatorsDir(), 'methodologies', `${id}.json`), 'utf8')) as { edition?: number };
    return { id, edition: typeof spec.edition === 'number' ? spec.edition : undefined };
  });
}
