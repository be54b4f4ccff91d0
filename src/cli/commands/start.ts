import type { Command } from 'commander';

/** Placeholder until the `start` command is built; registers nothing. */
export function register(_program: Command): void {}
