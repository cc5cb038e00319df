/**
 * The registry of input formats, tried in this order: the first whose `recognises` accepts the sniffed file reads
 * it. A new format is one file in this folder (see `format.ts`) plus its line here and its test; `ingestFile` names
 * no format, and a caller may pass its own list (`IngestOptions.formats`).
 */
import { arrow } from './arrow.js';
import { binary } from './binary.js';
import { csv } from './csv.js';
import { empty } from './empty.js';
import type { InputFormat } from './format.js';
import { json } from './json.js';
import { parquet } from './parquet.js';
import { xlsx } from './xlsx.js';

export type { Fatal, InputFormat, ReadContext, ReadLimits, ReadOutcome } from './format.js';
export { StopReading } from './format.js';

export const INPUT_FORMATS: readonly InputFormat[] = [empty, binary, xlsx, arrow, parquet, json, csv];

export const inputFormatNames = (): string[] => INPUT_FORMATS.map((f) => f.name);
