import { Kafka, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../logger.ts';
import { KAFKA_DEFAULTS } from './defaults.ts';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own log lines go to our JSON logger instead of the console. */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  const logger = options.logger.child({ module: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    retry: { retries: KAFKA_DEFAULTS.connectionRetries },
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log, namespace }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _name, ...rest } = log;
        logger[levels[level] ?? 'info']({ namespace, ...rest }, message);
      },
  });
}
