// Worker-thread entry point of the frame pool. Plain JavaScript on purpose: a worker thread
// starts without the parent's TypeScript loader when the parent was not started through tsx
// (vitest, a bundler), so it registers tsx itself before loading the TypeScript task.
// piscina awaits a default export that is a promise.
import { isMainThread } from 'node:worker_threads';
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
export default runFrameTask;
