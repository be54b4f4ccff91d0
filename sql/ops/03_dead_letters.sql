-- Every letter on the dead-letter topic, keyed by where it sits there (partition/offset), with
-- the original message's topic, partition, offset, key and value, so it can be replayed.
CREATE TABLE IF NOT EXISTS MARS_OPS.DEAD_LETTERS (
  letter_id VARCHAR NOT NULL,
  reason VARCHAR NOT NULL,
  detail VARCHAR NOT NULL,
  topic VARCHAR NOT NULL,
  source_partition INTEGER NOT NULL,
  source_offset VARCHAR NOT NULL,
  message_key VARCHAR,
  message_value VARCHAR,
  consumer VARCHAR NOT NULL,
  dead_lettered_at TIMESTAMP NOT NULL,
  PRIMARY KEY (letter_id)
);
-- A letter replayed: its original value re-published once to its original topic.
CREATE TABLE IF NOT EXISTS MARS_OPS.DEAD_LETTER_REPLAYS (
  letter_id VARCHAR NOT NULL,
  replayed_at TIMESTAMP NOT NULL,
  replayed_by VARCHAR NOT NULL,
  PRIMARY KEY (letter_id)
);
