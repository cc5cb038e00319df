/** The data-year matrix and the imputation pass, in `imputation/matrix.ts` (shared with the world estimates). */
export { CELL, CELL_NAMES, isImputed } from './imputation/index.js';
export { impute, yearMatrix } from './imputation/matrix.js';
export type { ImputationContext, ImputationRecord, ImputationStep, YearMatrix } from './imputation/index.js';
