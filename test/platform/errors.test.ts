import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../src/platform/config.ts';
import { expected, formatIssues, isRetriable, MarsError, TransientError, ValidationError } from '../../src/platform/errors.ts';
import { RejectedObject } from '../../src/warehouse/raw-envelope.ts';

describe('isRetriable', () => {
  it('takes an error that says at its word', () => {
    expect(isRetriable(new TransientError('busy'))).toBe(true);
    expect(isRetriable(new ValidationError('bad'))).toBe(false);
    expect(isRetriable(new MarsError('named, so permanent unless it says', 'SOMETHING'))).toBe(false);
    expect(isRetriable(Object.assign(new Error('a library error that says'), { retriable: false }))).toBe(false);
  });

  it('never retries bad input or a job told to stop', () => {
    const zodError = z.object({ n: z.number() }).safeParse({ n: 'x' }).error;
    expect(isRetriable(zodError)).toBe(false);
    expect(isRetriable(new UnrecoverableError('stop'))).toBe(false);
  });

  it('presumes a failure nobody named is transient', () => {
    expect(isRetriable(new Error('socket hang up'))).toBe(true);
    expect(isRetriable('a thrown string')).toBe(true);
  });

  it('puts every domain error in the hierarchy with its code', () => {
    const config = new ConfigError(['PORT: too big']);
    const rejected = new RejectedObject('not JSON');
    expect([config, rejected].map((e) => [e instanceof MarsError, e.code, e.retriable, e.name])).toEqual([
      [true, 'CONFIG_INVALID', false, 'ConfigError'],
      [true, 'REJECTED_OBJECT', false, 'RejectedObject'],
    ]);
  });
});

describe('bad input', () => {
  it('says what was expected, for what, and what came, strings quoted', () => {
    expect(expected('a port number (0-65535)', '--port', 'eighty')).toBe('Expected a port number (0-65535) for --port but received "eighty"');
    expect(expected('a positive integer', 'batchSize', 0)).toBe('Expected a positive integer for batchSize but received 0');
  });

  it('formats zod issues one way: path and message, the bare message at the root, the rest counted', () => {
    const schema = z.object({ a: z.number(), b: z.string(), c: z.boolean() });
    const issues = schema.safeParse({ a: 'x', b: 1, c: 'y' }).error!.issues;
    expect(formatIssues(issues)).toBe(
      'a: Invalid input: expected number, received string; b: Invalid input: expected string, received number; c: Invalid input: expected boolean, received string',
    );
    expect(formatIssues(issues, 1)).toBe('a: Invalid input: expected number, received string; and 2 more');
    expect(formatIssues(schema.safeParse(null).error!.issues)).toBe('Invalid input: expected object, received null');
  });
});
