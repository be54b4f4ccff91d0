import type { Kafka } from 'kafkajs';
import type { HttpServer } from '../http/http-server.ts';
import type { Config } from '../platform/config.ts';
import type { KafkaProducer } from '../platform/kafka/producer.ts';
import type { Service } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import type { Runtime } from './runtime.ts';
import type { ServiceMetrics } from './metrics.ts';

/** What every role gets from `mars serve`: shared, opened once, closed by the service. */
export interface RoleContext {
  config: Config;
  logger: Logger;
  runtime: Runtime;
  kafka: Kafka;
  /** The process's producer; dead letters go through it too. */
  producer: KafkaProducer;
  metrics: ServiceMetrics;
  /** Mount routes here (before the service reports ready). */
  http: HttpServer;
  /** The consumer group id of a role's consumer: `<KAFKA_GROUP_PREFIX>-<name>`. */
  groupId(name: string): string;
}

/**
 * One role of `mars serve` (a consumer, a BullMQ worker, an API): `create` builds its
 * long-lived parts, which the service starts in the order given and closes in reverse.
 * Roles keep nothing in memory that another replica needs, so each can be scaled out alone.
 */
export interface RoleDefinition {
  readonly name: string;
  readonly description: string;
  create(ctx: RoleContext): Promise<Service[]>;
}
