import { buildEconomies, economiesFiles } from './economies.js';

/** Every generated file (path relative to the package root → content) and a human-readable summary. */
export function buildAllFiles(sharedDir: string): { files: Map<string, string>; report: string } {
  const economies = buildEconomies(sharedDir);
  const files = economiesFiles(economies);
  return { files, report: `economies: ${economies.economies.length}\n` };
}
