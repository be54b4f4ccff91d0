import { expect, it } from 'vitest';
import { commandFromOptions, waitTimeoutMs } from '../../src/cli/commands/timelapse.ts';

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

it('mars timelapse request --eye and --sequence reach the command, checked by its schema', () => {
  const base = { rover: 'Curiosity', camera: 'navcam', sols: '1000', timeout: '900', requestId: 'cli-eye' };
  expect(commandFromOptions({ ...base, eye: 'right', sequence: 'ncam00545' })).toMatchObject({
    requestId: 'cli-eye',
    rover: 'curiosity',
    camera: 'NAVCAM',
    solStart: 1000,
    solEnd: 1000,
    eye: 'right',
    sequenceId: 'NCAM00545',
  });
  expect(() => commandFromOptions({ ...base, eye: 'middle' })).toThrow('mars timelapse request: eye:');
});
