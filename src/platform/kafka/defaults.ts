/** Retry and timing numbers of the Kafka layer, in one place. */
export const KAFKA_DEFAULTS = {
  /** Delay before the second attempt of a failing handler; doubled each time. */
  handlerBaseDelayMs: 200,
  handlerMaxDelayMs: 10_000,
  /** How long provisioning waits for the cluster to answer an admin call. */
  adminTimeoutMs: 5000,
  /** How long the embedded mock cluster may take to print its address. */
  embeddedStartTimeoutMs: 10_000,
  heartbeatIntervalMs: 1000,
  fetchMaxWaitMs: 500,
  /** kafkajs connection retries: a broker that is restarting gets this long. */
  connectionRetries: 8,
} as const;
