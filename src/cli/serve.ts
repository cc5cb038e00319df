import type { Command } from 'commander';
export function registerServeCommand(program: Command): void { void program; }
