import type { Warehouse } from './warehouse.ts';

const tails = new WeakMap<Warehouse, Promise<unknown>>();

/**
 * Runs fn after every earlier serialised call on the same warehouse has finished. Loads take a
 * load id from the ledger and builds read a consistent Bronze: within one process they must
 * not interleave (Kafka consumers, CLI and timers may all call the loader at once).
 */
export function serialize<T>(warehouse: Warehouse, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(warehouse) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  tails.set(
    warehouse,
    run.catch(() => undefined),
  );
  return run;
}
