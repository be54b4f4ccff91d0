/** A question /readyz asks a part the process depends on: resolves when the part answers. */
export interface ReadinessCheck {
  name: string;
  probe: () => Promise<unknown>;
}

export interface ReadinessOptions {
  /** How long /readyz waits for a probe before answering with what it knows. Default 1 s. */
  waitMs?: number;
  /** A probe unanswered this long means the part is stuck, not busy. Default 30 s. */
  stuckAfterMs?: number;
  now?: () => number;
}

interface Probe {
  promise: Promise<unknown>;
  startedAt: number;
  settled: boolean;
  error?: unknown;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Asks every part whether it answers. A part that fails its probe is not ready at once (Redis
 * down); one whose probe goes unanswered is not ready once it has been silent `stuckAfterMs`
 * (a warehouse whose connection never comes back), so a long but healthy statement does not
 * flap readiness. One probe per part is in flight at a time: polling a stuck part piles nothing up.
 */
export class Readiness {
  private readonly probes = new Map<string, Probe>();
  private readonly waitMs: number;
  private readonly stuckAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly checks: () => ReadinessCheck[],
    options: ReadinessOptions = {},
  ) {
    this.waitMs = options.waitMs ?? 1000;
    this.stuckAfterMs = options.stuckAfterMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** The parts that are down or stuck, each with the reason. */
  async failing(): Promise<Array<{ part: string; reason: string }>> {
    const checks = this.checks();
    const probes = checks.map((check) => this.probe(check));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.waitMs)));
    await Promise.race([Promise.allSettled(probes.map((p) => p.promise)), waited]);
    clearTimeout(timer);
    const failing: Array<{ part: string; reason: string }> = [];
    checks.forEach((check, index) => {
      const probe = probes[index]!;
      if (probe.settled && probe.error !== undefined) failing.push({ part: check.name, reason: errorText(probe.error) });
      else if (!probe.settled && this.now() - probe.startedAt >= this.stuckAfterMs) {
        failing.push({ part: check.name, reason: `no answer for ${Math.round((this.now() - probe.startedAt) / 1000)} s` });
      }
    });
    return failing;
  }

  /** The probe in flight for this part, or a new one once the last has settled. */
  private probe(check: ReadinessCheck): Probe {
    const current = this.probes.get(check.name);
    if (current && !current.settled) return current;
    const probe: Probe = { promise: Promise.resolve(), startedAt: this.now(), settled: false };
    probe.promise = Promise.resolve()
      .then(check.probe)
      .then(
        () => (probe.settled = true),
        (error: unknown) => {
          probe.settled = true;
          probe.error = error ?? new Error('failed');
        },
      );
    this.probes.set(check.name, probe);
    return probe;
  }
}
