import type { Kafka } from 'kafkajs';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { KAFKA_DEFAULTS } from './defaults.ts';

export interface ProvisionOptions {
  topics: string[];
  partitions: number;
  replicationFactor: number;
  logger: Logger;
}

export interface ProvisionResult {
  /** Topics this call created (empty when they all existed or the cluster refused). */
  created: string[];
  /** Set when the cluster refused admin calls; topics then come from auto-creation. */
  refused?: string;
}

/**
 * Creates missing topics where the cluster allows it. Clusters that refuse admin calls (the
 * mock cluster, locked-down managed clusters) are tolerated: their topics are created on first
 * use by the broker's auto-creation, so provisioning only logs why it did nothing.
 */
export async function provisionTopics(kafka: Kafka, options: ProvisionOptions): Promise<ProvisionResult> {
  const admin = kafka.admin();
  const timeout = KAFKA_DEFAULTS.adminTimeoutMs;
  try {
    await admin.connect();
    const existing = new Set(await withTimeout(admin.listTopics(), timeout, 'listTopics'));
    const missing = options.topics.filter((topic) => !existing.has(topic));
    if (missing.length === 0) return { created: [] };
    await withTimeout(
      admin.createTopics({
        waitForLeaders: true,
        timeout,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: options.partitions,
          replicationFactor: options.replicationFactor,
        })),
      }),
      timeout * 2,
      'createTopics',
    );
    options.logger.info({ topics: missing }, 'created Kafka topics');
    return { created: missing };
  } catch (error) {
    const refused = errorMessage(error);
    options.logger.warn({ error: refused }, 'the Kafka cluster refused to create topics: relying on auto-creation');
    return { created: [], refused };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} got no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
