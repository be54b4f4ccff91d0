/** An ISO instant as a TIMESTAMP literal both engines bind alike (UTC, no zone: Snowflake's TIMESTAMP_NTZ). */
export const toTimestamp = (iso: string | null): string | null => (iso === null ? null : iso.replace('T', ' ').replace(/Z$/, ''));
