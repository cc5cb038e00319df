import { describe, expect, it } from 'vitest';
import { CLI_V8_FLAGS, computesNothing, keepsDefaultV8Flags } from '../../src/util/bundle.js';

describe('the CLI’s V8 flags', () => {
  it('are for the short commands; the server keeps V8’s defaults', () => {
    expect(CLI_V8_FLAGS).toEqual(['--interrupt-budget=600000']);
    expect(keepsDefaultV8Flags('serve')).toBe(true);
    for (const c of ['report', 'idi', 'ingest', 'prices', 'series', '--version', undefined]) expect(keepsDefaultV8Flags(c)).toBe(false);
  });

  it('are not set for --version and --help, which compute nothing', () => {
    for (const c of ['--version', '-V', '--help', '-h', 'help', undefined]) expect(computesNothing(c), String(c)).toBe(true);
    for (const c of ['report', 'idi', 'ingest', 'prices', 'series', 'serve', 'versions']) expect(computesNothing(c), c).toBe(false);
  });
});
