import { cellText, optionalText, readWhole, type InputFormat, type ReadContext } from './format.js';

/** A JSON array of records {economy, indicator, year, value[, note][, source]} (or {"observations": [...]}). */
export const json: InputFormat = {
  name: 'json',
  description: 'JSON: a list of records {economy, indicator, year, value[, note, source, series_code]} or {"observations": [...]}',
  recognises: (s) => s.kind === 'json',
  stoppedAs: () => 'json',
  async read(ctx) {
    const text = readWhole(ctx).toString(ctx.sniffed.encoding === 'utf-8' ? 'utf8' : 'latin1');
    readJson(text, ctx);
    return { format: 'json' };
  },
};

function readJson(text: string, ctx: ReadContext): void {
  const { fatal } = ctx;
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? lineColumnAt(text, Number(pos[1])) : undefined;
    fatal('bad-json', `not valid JSON: ${msg}`, where ? { line: where.line, column: `character ${where.column}` } : {});
    return;
  }
  const records = Array.isArray(doc) ? doc : (doc as { observations?: unknown })?.observations;
  if (!Array.isArray(records)) {
    fatal('bad-json', 'expected a list of records [{"economy": ..., "indicator": ..., "year": ..., "value": ...}, ...] or {"observations": [...]}');
    return;
  }
  const lines = recordLines(text);
  for (let k = 0; k < records.length; k++) {
    const r = records[k];
    const line = lines[k] ?? 0;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      fatal('bad-json', `record ${k + 1} is not an object`, { line });
      continue;
    }
    const rec = r as Record<string, unknown>;
    const missing = ['economy', 'indicator', 'year', 'value'].filter((f) => !(f in rec));
    if (missing.length) {
      fatal('missing-column', `record ${k + 1} lacks ${missing.join(', ')}`, { line, column: missing.join(', ') });
      continue;
    }
    ctx.accept({
      line,
      economy: cellText(rec.economy),
      indicator: cellText(rec.indicator),
      year: cellText(rec.year),
      value: cellText(rec.value),
      note: optionalText(rec.note),
      source: optionalText(rec.source),
      seriesCode: optionalText(rec.series_code),
      economyColumn: 'economy',
      indicatorColumn: 'indicator',
      yearColumn: 'year',
      valueColumn: 'value',
    });
  }
}

/**
 * The line on which each record starts (one pass, strings skipped): the records are the top-level array,
 * or the array under the top-level key "observations" (not whatever array comes first). Every element
 * counts, scalars too, so that a bad element does not shift the lines of the records after it.
 */
function recordLines(text: string): number[] {
  const out: number[] = [];
  let line = 1,
    depth = 0,
    inString = false,
    target = -1,
    stringStart = 0,
    key = '',
    expectRecord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) {
        inString = false;
        if (depth === 1) key = text.slice(stringStart, i); // the last string before a '[' at depth 1 is its key
      }
      continue;
    }
    if (expectRecord && depth === target - 1 && c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 93) {
      out.push(line);
      expectRecord = false;
    }
    if (c === 34) {
      inString = true;
      stringStart = i + 1;
    } else if (c === 91 || c === 123) {
      depth++;
      if (target < 0 && c === 91 && (depth === 1 || (depth === 2 && key === 'observations'))) {
        target = depth + 1; // records sit one level inside
        expectRecord = true;
      }
    } else if (c === 93 || c === 125) depth--;
    else if (c === 44 && depth === target - 1) expectRecord = true;
  }
  return out;
}

function lineColumnAt(text: string, pos: number): { line: number; column: number } {
  let line = 1,
    last = -1;
  for (let i = 0; i < pos && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  return { line, column: pos - last };
}
