import { cliFlag } from '../util/errors.js';

/** The command line's name of a library option, where the flag is not simply its kebab-case. */
const FLAGS: Record<string, string> = { weightMode: '--weights', dropOne: '--drop', imputation: '--imputation-factor' };

export const cliName = (field: string): string => (Object.hasOwn(FLAGS, field) ? FLAGS[field] : cliFlag(field));
