import { setFlagsFromString } from 'node:v8';

/**
 * The V8 flags the CLI sets first thing (src/cli/main.ts), for the whole process and its threads: a 9x larger
 * interrupt budget (default 67,584), so that V8 optimises (TurboFan, on its background threads) only code that runs
 * much longer before it pays. A command lasts a second or two, and most of what V8 optimised in it ran too briefly
 * to repay the compile: in `report --edition 2017` its 4 background threads spent about 0.9 s of CPU, 0.3 s with
 * this budget, the threads' own time unchanged (benchmarks/RESULTS.md, "Session 7"). Long runs are not slowed: a
 * hot loop reaches the budget within milliseconds. V8 takes a code cache only under the flags it was made with, so
 * the report's chart engine has a cache made under these flags too (src/report/vendor.ts).
 */
export const CLI_V8_FLAGS: readonly string[] = ['--interrupt-budget=600000'];

export function applyCliV8Flags(): void {
  for (const flag of CLI_V8_FLAGS) setFlagsFromString(flag);
}
