// Worker-thread entry point of the frame pool. Plain JavaScript on purpose: a worker thread
// starts without the parent's TypeScript loader when the parent was not started through tsx
// (vitest, a bundler), so it registers tsx itself before loading the TypeScript task.
import { isMainThread } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { register } from 'tsx/esm/api';
import sharp from 'sharp';

// Each worker is one of a pool sized to the cores: libvips threads on top would oversubscribe.
// Every frame is decoded once, so libvips' operation cache would only hold memory.
if (!isMainThread) {
  sharp.concurrency(1);
  sharp.cache(false);
}
register();
const { runFrameTask } = await import('./frame-task.ts');

/** The memory behind a view, when the view is all of it (a buffer of its own, not a slice of a pool). */
const ownMemory = (view) => (view && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? [view.buffer] : []);

/**
 * Runs a frame task; its tile and the original's bytes move to the calling thread rather than
 * being copied (the worker has no further use for them). The normalised frame is libvips'
 * memory, which cannot be moved, and is copied.
 */
export default async function runTask(task) {
  const result = await runFrameTask(task);
  const buffers = result.ok ? [...ownMemory(result.tile), ...ownMemory(result.original)] : [];
  return buffers.length === 0 ? result : Piscina.move({ [Piscina.transferableSymbol]: buffers, [Piscina.valueSymbol]: result });
}
