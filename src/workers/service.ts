import { HttpServer, sendJson } from '../http/http-server.ts';
import type { Config } from '../platform/config.ts';
import { errorMessage } from '../platform/errors.ts';
import { provisionTopics } from '../platform/kafka/provision.ts';
import { ALL_TOPICS } from '../timelapse/topics.ts';
import { closeAll, once, type Service } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import type { Runtime } from './runtime.ts';
import { ServiceMetrics } from './metrics.ts';
import { Readiness, type ReadinessOptions } from './readiness.ts';
import type { RoleContext, RoleDefinition } from './role.ts';
import { ROLES } from './roles.ts';

/** A part that can tell whether it still works; /healthz fails when one says no. */
export interface HealthReporter {
  healthy(): boolean;
}

/** A part that finishes starting in the background (a consumer joining its group). */
export interface ReadyReporter {
  ready(): Promise<void>;
}

export interface MarsServiceOptions {
  config: Config;
  logger: Logger;
  /** Shared dependencies; the caller closes it after the service. */
  runtime: Runtime;
  /** Role names to run. Default: every role. */
  roles?: string[];
  /** The roles known. Default: ROLES. */
  definitions?: readonly RoleDefinition[];
  /** Default: config.port. */
  port?: number;
  /** How /readyz judges Redis and the warehouse (tests shorten the stuck time). */
  readiness?: ReadinessOptions;
}

/** Picks roles by name, in the registry's order; an unknown name is an error that lists the known ones. */
export function selectRoles(definitions: readonly RoleDefinition[], names?: string[]): RoleDefinition[] {
  if (!names || names.length === 0) return [...definitions];
  const known = new Set(definitions.map((d) => d.name));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(`Expected roles among ${[...known].join(', ')} but received ${unknown.join(', ')}`);
  }
  return definitions.filter((d) => names.includes(d.name));
}

/**
 * `mars serve`: the HTTP server first (so /healthz answers while the rest starts), then Kafka,
 * topic provisioning and each role's parts in order; /readyz turns 200 once all have started.
 * Closing reports not-ready, stops the roles in reverse (consumers finish the message in hand
 * or leave it uncommitted, workers finish or hand back their jobs), then the HTTP server.
 */
export class MarsService implements Service {
  readonly name = 'mars-service';
  readonly metrics = new ServiceMetrics();
  readonly http: HttpServer;
  private readonly started: Service[] = [];
  private readonly roles: RoleDefinition[];
  private ready = false;
  private readonly readiness: Readiness;

  constructor(private readonly options: MarsServiceOptions) {
    this.roles = selectRoles(options.definitions ?? ROLES, options.roles);
    this.readiness = new Readiness(() => options.runtime.readinessChecks(), options.readiness);
    this.http = new HttpServer({ port: options.port ?? options.config.port, host: options.config.httpHost, logger: options.logger });
    this.http
      .route('GET', '/healthz', (_req, res) => {
        const failing = this.unhealthyParts();
        sendJson(res, failing.length === 0 ? 200 : 503, failing.length === 0 ? { status: 'ok' } : { status: 'failing', parts: failing });
      })
      .route('GET', '/readyz', async (_req, res) => {
        const roles = this.roles.map((r) => r.name);
        if (!this.ready) return sendJson(res, 503, { ready: false, roles });
        const failing = await this.readiness.failing();
        sendJson(res, failing.length === 0 ? 200 : 503, failing.length === 0 ? { ready: true, roles } : { ready: false, roles, failing });
      })
      .route('GET', '/metrics', async (_req, res) => {
        const text = await this.metrics.text();
        res.writeHead(200, { 'content-type': this.metrics.contentType });
        res.end(text);
      })
      .route('GET', '/api/status', (_req, res) => sendJson(res, 200, this.describe()));
  }

  async start(): Promise<void> {
    const { config, logger, runtime } = this.options;
    await this.http.start();
    this.started.push(this.http);
    const kafka = await runtime.kafka();
    const producer = await runtime.producer();
    // The embedded mock cluster is known to refuse admin calls; its topics auto-create.
    if (config.kafka.brokers) {
      await provisionTopics(kafka, {
        topics: ALL_TOPICS,
        partitions: config.kafka.partitions,
        replicationFactor: config.kafka.replicationFactor,
        logger,
      });
    }
    const ctx: RoleContext = {
      config,
      logger,
      runtime,
      kafka,
      producer,
      metrics: this.metrics,
      http: this.http,
      groupId: (name) => `${config.kafka.groupPrefix}-${name}`,
    };
    for (const role of this.roles) {
      const services = await role.create(ctx);
      // Every part is listed before it starts: one whose start fails half-way (a worker with its
      // connections open), and those after it, are still closed by close().
      this.started.push(...services);
      for (const service of services) await service.start();
      logger.info({ role: role.name, parts: services.map((s) => s.name) }, 'role started');
    }
    // Consumers join their groups in the background, all at once; ready means all have joined.
    await Promise.all(this.started.map((part) => (part as Partial<ReadyReporter>).ready?.()));
    this.ready = true;
    logger.info({ roles: this.roles.map((r) => r.name), url: this.http.url, brokers: runtime.kafkaBrokers }, 'mars serve ready');
  }

  close = once(async () => {
    this.ready = false;
    const steps = [...this.started].reverse().map((service) => async () => {
      try {
        await service.close();
      } catch (error) {
        this.options.logger.error({ part: service.name, error: errorMessage(error) }, 'part failed to close');
        throw error;
      }
    });
    await closeAll(steps);
  });

  /** Parts that say they have stopped working (consumers kafkajs gave up on, stopped workers). */
  unhealthyParts(): string[] {
    return this.started.filter((part) => (part as Partial<HealthReporter>).healthy?.() === false).map((part) => part.name);
  }

  describe(): Record<string, unknown> {
    return {
      ready: this.ready,
      roles: this.roles.map((r) => r.name),
      parts: Object.fromEntries(this.started.map((s) => [s.name, s.describe()])),
      dependencies: this.options.runtime.describe(),
    };
  }
}
