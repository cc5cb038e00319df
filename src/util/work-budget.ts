/**
 * A per-submission work budget (issue 13: "every parser bounded in time and memory by construction ... a
 * per-submission work budget"). Reading one submission spends units of work: every byte a parser passes over
 * (a byte scanned twice, as a record carried from one chunk to the next is, counts twice) and every observation
 * read. The limit is fixed from the file's size before the first byte is read, so the whole read is linear in its
 * input whatever the input holds: a parser that became super-linear on some input would stop at the limit with a
 * finding instead of holding a core. The parsers stay far below it by construction (the CSV tokenizer scans a byte at
 * most 1 + maxLineBytes / chunk times; the observations are capped by maxRows), which the tests count.
 */
export const WORK_BUDGET = {
  /** Units per byte of the file. */
  unitsPerByte: 32,
  /** Units per observation the read may give (times maxRows: the row limit stops a read before this does). */
  unitsPerRow: 1,
  /** Units any file gets (headers, a tiny file). */
  baseUnits: 1 << 20,
} as const;
export type WorkBudgetOptions = { [K in keyof typeof WORK_BUDGET]?: number };

/** The limit of a file of `bytes` bytes that may give at most `maxRows` observations. */
export function workLimit(bytes: number, maxRows: number, o: WorkBudgetOptions = {}): number {
  const b = { ...WORK_BUDGET, ...o };
  return b.unitsPerByte * bytes + b.unitsPerRow * maxRows + b.baseUnits;
}

export class WorkBudget {
  spent = 0;
  constructor(readonly limit: number) {}
  /** Spend `n` units; false once the budget is exceeded. */
  spend(n: number): boolean {
    this.spent += n;
    return this.spent <= this.limit;
  }
  get exceeded(): boolean {
    return this.spent > this.limit;
  }
}
