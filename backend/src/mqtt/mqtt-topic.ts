/** Pure helpers for MQTT ingest: topic validation, reconnect backoff and subscription diffs. */

export const MAX_TOPIC_LENGTH = 200;

/** Why a device topic is unusable, or null when it is fine (1-200 characters, no wildcards, no NUL). */
export function topicProblem(topic: string): string | null {
  if (topic.length < 1 || topic.length > MAX_TOPIC_LENGTH) return `must be 1-${MAX_TOPIC_LENGTH} characters`;
  if (/[#+]/.test(topic)) return 'must not contain the wildcards # or + (a device publishes to exactly one topic)';
  if (topic.includes('\u0000')) return 'must not contain NUL';
  if (topic.startsWith('$')) return 'must not start with $ (reserved for the broker)';
  return null;
}

/** The first reconnect waits BASE; each failure doubles the wait, up to CAP. */
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 60_000;

/** Delay before reconnect attempt `attempt` (0-based): capped exponential backoff. */
export function backoffMs(attempt: number, baseMs = BACKOFF_BASE_MS, capMs = BACKOFF_CAP_MS): number {
  if (attempt <= 0) return baseMs;
  return Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
}

/** Topics to subscribe to and to unsubscribe from, going from `current` to `wanted`. */
export function subscriptionChanges(
  current: ReadonlySet<string>,
  wanted: ReadonlySet<string>,
): { subscribe: string[]; unsubscribe: string[] } {
  return {
    subscribe: [...wanted].filter((t) => !current.has(t)).sort(),
    unsubscribe: [...current].filter((t) => !wanted.has(t)).sort(),
  };
}
