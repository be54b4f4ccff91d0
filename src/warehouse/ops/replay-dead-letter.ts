import type { DeadLetterRow, OpsStore } from './ops-store.ts';

export type ReplayOutcome =
  | { status: 'replayed'; letter: DeadLetterRow }
  | { status: 'refused'; letterId: string; reason: string }
  | { status: 'not-found'; letterId: string };

export interface ReplayDeps {
  ops: OpsStore;
  /** Publishes a value as it is (the original text, even if it was never valid JSON) to a topic. */
  send: (topic: string, value: string, key: string | null) => Promise<void>;
}

/**
 * Re-publishes a dead letter's original message to its original topic, once: the replay is
 * claimed in MARS_OPS first, so a second replay of the same letter is refused with when the
 * first happened; if publishing fails the claim is released and the letter can be tried again.
 * The consumers are idempotent, so a message whose cause was fixed lands its data once.
 */
export async function replayDeadLetter(deps: ReplayDeps, letterId: string, by: string): Promise<ReplayOutcome> {
  const [letter] = await deps.ops.listDeadLetters({ letterId });
  if (!letter) return { status: 'not-found', letterId };
  if (letter.value === null) return { status: 'refused', letterId, reason: 'the original message had no value' };
  const claim = await deps.ops.claimReplay(letterId, by);
  if (!claim.claimed) return { status: 'refused', letterId, reason: `already replayed at ${claim.replayedAt} by ${claim.replayedBy}` };
  try {
    await deps.send(letter.topic, letter.value, letter.key);
  } catch (error) {
    await deps.ops.releaseReplay(letterId);
    throw error;
  }
  return { status: 'replayed', letter };
}
