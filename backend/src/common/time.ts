const ISO_WITH_OFFSET = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses an ISO-8601 instant that carries its offset (Z or ±hh:mm / ±hhmm), with up to nine
 * fractional digits as readers send them; returns epoch milliseconds or null.
 */
export function parseIsoInstant(value: string): number | null {
  const m = ISO_WITH_OFFSET.exec(value);
  if (!m) return null;
  const fraction = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  const offset = m[3] === 'Z' ? 'Z' : m[3].length === 5 ? `${m[3].slice(0, 3)}:${m[3].slice(3)}` : m[3];
  const ms = Date.parse(`${m[1]}.${fraction}${offset}`);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 30 February over into March; a reader that sends it has a broken clock.
  const [year, month, day] = m[1].slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day ? ms : null;
}
