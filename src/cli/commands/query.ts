import type { Command } from 'commander';

/** Placeholder until the `query` command is built; registers nothing. */
export function register(_program: Command): void {}
