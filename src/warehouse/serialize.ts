import type { Warehouse } from './warehouse.ts';

/** Runs fn after every earlier call on the same warehouse through the same queue has finished. */
export type SerialQueue = <T>(warehouse: Warehouse, fn: () => Promise<T>) => Promise<T>;

/** A queue per warehouse: calls through it never interleave, whatever else runs on that warehouse. */
export function serialQueue(): SerialQueue {
  const tails = new WeakMap<Warehouse, Promise<unknown>>();
  return <T>(warehouse: Warehouse, fn: () => Promise<T>): Promise<T> => {
    const run = (tails.get(warehouse) ?? Promise.resolve()).then(fn, fn);
    tails.set(
      warehouse,
      run.catch(() => undefined),
    );
    return run;
  };
}

/**
 * Loads and builds. Loads take a load id from the ledger and builds read a consistent Bronze:
 * within one process they must not interleave (Kafka consumers, CLI and timers may all call the
 * loader at once).
 */
export const serialize: SerialQueue = serialQueue();
