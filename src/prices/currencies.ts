/**
 * Currencies as data (indicators/baskets/conversion/currencies.json): each economy's local currency by year (ISO
 * 4217, with the euro adoptions listed) and each currency's minor unit, in which plan costs are compared.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserInputError } from '../util/errors.js';
import { indicatorsDir } from '../util/paths.js';

export interface CurrencyTable {
  source: string;
  /** The economy's currency in the year (undefined when the file does not know the economy). */
  local(economy: string, year: number): string | undefined;
  /** Digits after the decimal point of the currency's minor unit (2 when the file does not list it). */
  minorUnits(currency: string): number;
  /** Economies whose local currency is `currency` in the year, sorted. */
  economiesUsing(currency: string, year: number): string[];
  /** The ISO 4217 testing code (XTS): read as the local currency of the economy it is used in. */
  testing: string;
}

interface CurrencyDoc {
  source: string;
  economies: Record<string, string>;
  changes: Array<{ economy: string; currency: string; until: number }>;
  minor_units: Record<string, number>;
  testing_currency?: string;
}

export const currenciesFile = (): string => join(indicatorsDir(), 'baskets', 'conversion', 'currencies.json');

let cached: CurrencyTable | undefined;

export function loadCurrencies(path?: string): CurrencyTable {
  if (!path && cached) return cached;
  const file = path ?? currenciesFile();
  let doc: CurrencyDoc;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as CurrencyDoc;
  } catch (e) {
    throw new UserInputError(`${file}: cannot read the currencies: ${(e as Error).message}`);
  }
  const code = /^[A-Z]{3}$/;
  for (const [e, c] of Object.entries(doc.economies ?? {}))
    if (!code.test(c)) throw new UserInputError(`${file}: field "economies.${e}", value ${JSON.stringify(c)}: must be an ISO 4217 code [bad-currencies]`);
  for (const [k, ch] of (doc.changes ?? []).entries())
    if (!code.test(ch.currency) || !Number.isInteger(ch.until))
      throw new UserInputError(
        `${file}: field "changes[${k}]", value ${JSON.stringify(ch)}: must be {economy, currency (ISO 4217), until (year)} [bad-currencies]`,
      );
  const changes = [...(doc.changes ?? [])].sort((a, b) => a.until - b.until);
  const local = (economy: string, year: number): string | undefined =>
    changes.find((c) => c.economy === economy && year <= c.until)?.currency ?? doc.economies[economy];
  const users = new Map<string, string[]>();
  const table: CurrencyTable = {
    source: doc.source,
    testing: doc.testing_currency ?? '',
    local,
    minorUnits: (c) => doc.minor_units[c] ?? 2,
    economiesUsing(currency, year) {
      const key = `${currency}|${year}`;
      let list = users.get(key);
      if (!list) {
        const candidates = new Set([...Object.keys(doc.economies), ...changes.map((c) => c.economy)]);
        users.set(key, (list = [...candidates].filter((e) => local(e, year) === currency).sort()));
      }
      return list;
    },
  };
  if (!path) cached = table;
  return table;
}
