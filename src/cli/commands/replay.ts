import type { Command } from 'commander';

/** Placeholder until the `replay` command is built; registers nothing. */
export function register(_program: Command): void {}
