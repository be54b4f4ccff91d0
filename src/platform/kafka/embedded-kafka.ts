import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { MarsError } from '../errors.ts';
import { once, type Service } from '../lifecycle.ts';
import { KAFKA_DEFAULTS } from './defaults.ts';

/** Raised when `kcat` (which carries librdkafka's mock cluster) is not installed. */
export class KcatMissingError extends MarsError {
  constructor() {
    super(
      'KAFKA_BROKERS is unset, so the embedded Kafka (librdkafka\'s mock cluster, started through `kcat`) is needed, ' +
        'but `kcat` is not installed. Install it with `apt-get install kcat` (Debian/Ubuntu), or set KAFKA_BROKERS to a running cluster.',
      'KCAT_MISSING',
    );
  }
}

/**
 * librdkafka's in-memory mock cluster, kept up by a `kcat` consumer: the Kafka of one machine
 * when KAFKA_BROKERS is unset. Clients talk to it over the ordinary protocol, so nothing in
 * their code path differs from a real cluster (it refuses admin createTopics and idempotent
 * producers, and auto-creates topics with 4 partitions).
 *
 * kcat runs under a small shell that kills it when our stdin pipe closes, so the cluster dies
 * with this process even when the process is killed with SIGKILL. It runs in its own process
 * group, so a terminal's Ctrl-C reaches only us: the cluster stays up while we drain and close.
 */
export class EmbeddedKafka implements Service {
  readonly name = 'embedded-kafka';
  private child?: ChildProcess;
  private bootstrap?: string;

  constructor(private readonly options: { brokers?: number } = {}) {}

  get brokers(): string[] {
    if (!this.bootstrap) throw new Error('embedded Kafka is not started');
    return [this.bootstrap];
  }

  async start(): Promise<void> {
    if (spawnSync('/bin/sh', ['-c', 'command -v kcat'], { stdio: 'ignore' }).status !== 0) throw new KcatMissingError();
    const brokers = this.options.brokers ?? 1;
    const kcat = `kcat -X test.mock.num.brokers=${brokers} -b 127.0.0.1:1 -C -t __keepalive -q -d mock`;
    const child = spawn('/bin/sh', ['-c', `${kcat} </dev/null & k=$!; cat >/dev/null; kill $k 2>/dev/null; wait $k`], {
      stdio: ['pipe', 'ignore', 'pipe'],
      detached: true,
    });
    this.child = child;
    this.bootstrap = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kcat printed no mock cluster address within ${KAFKA_DEFAULTS.embeddedStartTimeoutMs} ms`)), KAFKA_DEFAULTS.embeddedStartTimeoutMs);
      // The mock's debug output never stops: keep reading it all, or kcat blocks on a full pipe.
      const lines = createInterface({ input: child.stderr! });
      lines.on('line', (line) => {
        const match = /bootstrap\.servers=(127\.0\.0\.1:\d+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`kcat exited with code ${code} before the mock cluster was up`));
      });
    });
  }

  close = once(async () => {
    const child = this.child;
    // Gone already (ended, or killed by a signal, when exitCode stays null): no 'exit' is coming.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    await exited;
  });

  describe(): Record<string, unknown> {
    return { brokers: this.bootstrap ? [this.bootstrap] : [], pid: this.child?.pid ?? null };
  }
}
