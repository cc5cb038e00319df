import { describe, expect, it } from 'vitest';
import { buildProgram, COMMAND_NAMES, commandToBuild } from '../../src/cli/program.js';

/** The CLI builds only the command it runs (src/cli/program.ts): the name list must be the table's, in its order. */
describe('the command table built for one command', () => {
  it('COMMAND_NAMES are the commands of the full table, in the order the help lists them', () => {
    expect(buildProgram().commands.map((c) => c.name())).toEqual([...COMMAND_NAMES]);
  });

  it('each command alone is the same command as in the full table (its options and subcommands)', () => {
    const full = new Map(buildProgram().commands.map((c) => [c.name(), c]));
    const shape = (c: { options: readonly { flags: string }[]; commands: readonly { name(): string }[] }) => ({
      options: c.options.map((o) => o.flags),
      commands: c.commands.map((s) => s.name()),
    });
    for (const name of COMMAND_NAMES) {
      const alone = buildProgram(name).commands;
      // db and token are registered together (src/cli/db.ts)
      expect(alone.map((c) => c.name())).toEqual(name === 'db' || name === 'token' ? ['db', 'token'] : [name]);
      for (const c of alone) expect(shape(c), c.name()).toEqual(shape(full.get(c.name())!));
    }
    expect(buildProgram(null).commands).toEqual([]);
  });

  it('the first argument decides: a command name, none for --version, every command otherwise', () => {
    const argv = (...a: string[]) => ['node', 'ictstat', ...a];
    expect(commandToBuild(argv('idi', '--methodology', 'idi-2017'))).toBe('idi');
    expect(commandToBuild(argv('--version'))).toBeNull();
    expect(commandToBuild(argv('-V'))).toBeNull();
    for (const a of [[], ['--help'], ['help', 'idi'], ['seris'], ['--store', 'x', 'series']]) expect(commandToBuild(argv(...a)), a.join(' ')).toBeUndefined();
  });
});
