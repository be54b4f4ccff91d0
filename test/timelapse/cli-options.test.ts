import { expect, it } from 'vitest';
import { waitTimeoutMs } from '../../src/cli/commands/timelapse.ts';

it('mars timelapse request --timeout takes whole seconds a timer can wait', () => {
  expect(waitTimeoutMs('900')).toBe(900_000);
  expect(waitTimeoutMs('1')).toBe(1000);
  expect(waitTimeoutMs('2147483')).toBe(2_147_483_000);
  // 3,000,000 s is more than a timer holds: it would have fired at once and reported a timeout.
  for (const value of ['0', '3000000', '2147484']) {
    expect(() => waitTimeoutMs(value), value).toThrow(`Expected a whole number of seconds between 1 and 2147483 for --timeout but received "${value}"`);
  }
  expect(() => waitTimeoutMs('ten')).toThrow('Expected a whole number for --timeout but received "ten"');
});
