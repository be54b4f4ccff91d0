import { defineTopic } from '../../platform/kafka/topics.ts';
import { TimelapseCommandSchema, TimelapseEventSchema } from './schemas.ts';

/** The timelapse topics of the contract, with the schemas both ends check. */
export const TimelapseTopics = {
  commands: defineTopic('timelapse-commands', TimelapseCommandSchema),
  events: defineTopic('timelapse-events', TimelapseEventSchema),
} as const;
