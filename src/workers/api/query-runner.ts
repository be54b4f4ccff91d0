import { MarsError } from '../../platform/errors.ts';
import { once, type Service } from '../../platform/lifecycle.ts';
import type { Row, Warehouse } from '../../warehouse/warehouse.ts';

/** Why a query through the API was stopped, with the HTTP status that says so. */
export class QueryStoppedError extends MarsError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message, 'QUERY_STOPPED');
  }
}

export interface QueryRunnerOptions {
  warehouse: Warehouse;
  /** QUERY_TIMEOUT_MS. */
  timeoutMs: number;
  /**
   * Queries running at once; more wait their turn (their time limit counting). Default 2: each
   * running DuckDB call holds one of libuv's four threads, which file reads and the loader need too.
   */
  concurrency?: number;
}

/**
 * Runs the API's user queries, each on its own warehouse connection, under a time limit, and
 * stops them when the client goes away or the service closes.
 */
export class QueryRunner implements Service {
  readonly name = 'query-runner';
  private readonly running = new Set<AbortController>();
  private readonly waiting: Array<() => void> = [];
  private active = 0;
  private closing = false;

  constructor(private readonly options: QueryRunnerOptions) {}

  async start(): Promise<void> {}

  /**
   * Batches of rows of one statement. Aborting `clientGone` stops it, as do the time limit and
   * close(); the iteration then throws a QueryStoppedError. A caller that stops iterating early
   * (a row cap) ends the statement too.
   */
  async *rows(sql: string, params: readonly unknown[], clientGone: AbortSignal): AsyncGenerator<Row[]> {
    if (this.closing) throw new QueryStoppedError('the service is stopping', 503);
    const controller = new AbortController();
    const { timeoutMs, warehouse } = this.options;
    const timer = setTimeout(
      () => controller.abort(new QueryStoppedError(`the query ran longer than QUERY_TIMEOUT_MS (${timeoutMs} ms) and was stopped`, 504)),
      timeoutMs,
    );
    const onGone = () => controller.abort(new QueryStoppedError('the client went away', 499));
    clientGone.addEventListener('abort', onGone, { once: true });
    this.running.add(controller);
    try {
      await this.acquire(controller.signal);
      try {
        if (warehouse.stream) yield* warehouse.stream(sql, params, controller.signal);
        else yield await warehouse.query(sql, params);
      } finally {
        this.release();
      }
    } finally {
      clearTimeout(timer);
      clientGone.removeEventListener('abort', onGone);
      this.running.delete(controller);
    }
  }

  private async acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.active < (this.options.concurrency ?? 2)) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      // The finishing query hands its slot straight to the next in line (see release()).
      const turn = () => {
        signal.removeEventListener('abort', give);
        resolve();
      };
      const give = () => {
        this.waiting.splice(this.waiting.indexOf(turn), 1);
        reject(signal.reason);
      };
      this.waiting.push(turn);
      signal.addEventListener('abort', give, { once: true });
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  /** Stops every query (running or waiting); their clients hear why. */
  close = once(async () => {
    this.closing = true;
    for (const controller of this.running) controller.abort(new QueryStoppedError('the service is stopping', 503));
  });

  describe(): Record<string, unknown> {
    return { running: this.active, waiting: this.waiting.length, timeoutMs: this.options.timeoutMs };
  }
}
