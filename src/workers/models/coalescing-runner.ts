import { errorMessage } from '../../platform/errors.ts';
import { once, type Service } from '../../platform/lifecycle.ts';
import type { Logger } from '../../platform/logger.ts';

const MAX_CONSECUTIVE_FAILURES = 3;

export interface CoalescingRunnerOptions<R> {
  name: string;
  run: () => Promise<R>;
  /** Time from the first request of a burst to the run. Default 2000 ms. */
  delayMs?: number;
  logger: Logger;
  onResult?: (result: R) => Promise<void> | void;
}

/**
 * Turns a burst of requests into few runs: the first request of a quiet period starts a timer,
 * requests during the timer or during a run only mark the runner dirty, and a dirty runner
 * runs once more when the current run ends. So 100 load-complete messages give one or two
 * model runs, and at most one run is in flight per process.
 */
export class CoalescingRunner<R> implements Service {
  readonly name: string;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private dirty = false;
  private closed = false;
  private counts = { requests: 0, runs: 0, failures: 0 };
  private consecutiveFailures = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: CoalescingRunnerOptions<R>) {
    this.name = options.name;
  }

  async start(): Promise<void> {}

  /** Asks for a run that starts after this call. */
  request(): void {
    if (this.closed) return;
    this.counts.requests++;
    this.dirty = true;
    if (!this.running && !this.timer) this.schedule();
  }

  /** Resolves when no run is scheduled or in flight. */
  idle(): Promise<void> {
    if (!this.running && !this.timer) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dirty = false;
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        if (this.dirty && !this.closed) this.schedule();
        else this.settle();
      });
    }, this.options.delayMs ?? 2000);
  }

  private async runOnce(): Promise<void> {
    this.counts.runs++;
    try {
      const result = await this.options.run();
      this.consecutiveFailures = 0;
      await this.options.onResult?.(result);
    } catch (error) {
      this.counts.failures++;
      this.consecutiveFailures++;
      // A passing hiccup (a busy warehouse) gets a few more tries; a lasting fault waits for the next request.
      const again = this.consecutiveFailures < MAX_CONSECUTIVE_FAILURES;
      if (again) this.dirty = true;
      this.options.logger.error({ runner: this.name, error: errorMessage(error), again }, 'run failed');
    }
  }

  private settle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Cancels a scheduled run and waits for the one in flight to finish. */
  close = once(async () => {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    this.settle();
  });

  describe(): Record<string, unknown> {
    return { ...this.counts, running: Boolean(this.running), scheduled: Boolean(this.timer), dirty: this.dirty };
  }
}
