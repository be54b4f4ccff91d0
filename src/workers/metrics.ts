import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConsumerObserver } from '../platform/kafka/consumer.ts';
import type { DeadLetter } from '../timelapse/topics.ts';

/** What a queue tells the jobs-by-state gauge. */
export interface JobCountSource {
  name: string;
  counts(): Promise<Record<string, number>>;
}

/** A scrape must not hang on a Redis that is away: give queue counts this long. */
const JOB_COUNT_TIMEOUT_MS = 1000;

/**
 * The service's Prometheus metrics, in a registry of its own (two services in one test process
 * do not collide): messages consumed, handler failures, dead letters, consumer lag, jobs by
 * state and stage durations.
 */
export class ServiceMetrics implements ConsumerObserver {
  readonly registry = new Registry();
  private readonly consumedTotal: Counter<'topic'>;
  private readonly failuresTotal: Counter<'topic'>;
  private readonly deadLetteredTotal: Counter<'topic' | 'reason'>;
  private readonly lagGauge: Gauge<'topic' | 'partition'>;
  private readonly stageSeconds: Histogram<'stage' | 'outcome'>;
  private readonly jobSources: JobCountSource[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mars_' });
    this.consumedTotal = new Counter({ name: 'mars_messages_consumed_total', help: 'Kafka messages taken by consumers', labelNames: ['topic'], registers: [this.registry] });
    this.failuresTotal = new Counter({ name: 'mars_handler_failures_total', help: 'Failed handler attempts (retries included)', labelNames: ['topic'], registers: [this.registry] });
    this.deadLetteredTotal = new Counter({ name: 'mars_dead_lettered_total', help: 'Messages and jobs sent to dead-letter', labelNames: ['topic', 'reason'], registers: [this.registry] });
    this.lagGauge = new Gauge({ name: 'mars_consumer_lag', help: 'Messages behind the partition end, after the last handled one', labelNames: ['topic', 'partition'], registers: [this.registry] });
    this.stageSeconds = new Histogram({
      name: 'mars_stage_duration_seconds',
      help: 'Duration of pipeline stages (load, build, ingest, handler)',
      labelNames: ['stage', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [this.registry],
    });
    const sources = this.jobSources;
    new Gauge({
      name: 'mars_jobs',
      help: 'BullMQ jobs by queue and state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        await Promise.all(
          sources.map(async (source) => {
            const counts = await withTimeout(source.counts(), JOB_COUNT_TIMEOUT_MS);
            for (const [state, count] of Object.entries(counts ?? {})) this.set({ queue: source.name, state }, count);
          }),
        );
      },
    });
  }

  addJobSource(source: JobCountSource): void {
    this.jobSources.push(source);
  }

  consumed(topic: string): void {
    this.consumedTotal.inc({ topic });
  }

  handlerFailed(topic: string): void {
    this.failuresTotal.inc({ topic });
  }

  deadLettered(topic: string, reason: DeadLetter['reason']): void {
    this.deadLetteredTotal.inc({ topic, reason });
  }

  lag(topic: string, partition: number, lag: number): void {
    this.lagGauge.set({ topic, partition: String(partition) }, lag);
  }

  handled(topic: string, seconds: number): void {
    this.stageSeconds.observe({ stage: `handle:${topic}`, outcome: 'done' }, seconds);
  }

  /** Times one run of a stage and records whether it succeeded. */
  async time<T>(stage: string, fn: () => Promise<T>): Promise<T> {
    const end = this.stageSeconds.startTimer({ stage });
    try {
      const result = await fn();
      end({ outcome: 'ok' });
      return result;
    } catch (error) {
      end({ outcome: 'error' });
      throw error;
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
