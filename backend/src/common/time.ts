const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses an ISO-8601 time as readers send it (up to nine fractional digits) to epoch
 * milliseconds, or null. A time with its offset (Z, ±hh:mm, ±hhmm) is exact. A time without one
 * is a wall-clock time at the site: it is read in `siteTimeZone` (IANA) when given, and refused
 * (null) when not, rather than guessed.
 */
export function parseIsoInstant(value: string, siteTimeZone?: string | null): number | null {
  const m = ISO_TIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  // Refuse what Date would silently roll over (30 February, hour 24...).
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (new Date(wall).getUTCDate() !== day) return null;
  const offset = m[8];
  if (offset === undefined) return siteTimeZone ? fromWallClock(wall, siteTimeZone) : null;
  if (offset === 'Z') return wall;
  const sign = offset.startsWith('-') ? -1 : 1;
  const [oh, om] = [Number(offset.slice(1, 3)), Number(offset.slice(-2))];
  if (oh > 23 || om > 59) return null;
  return wall - sign * (oh * 60 + om) * 60_000;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of a time zone from UTC at an instant, in ms (Europe/London in July: +3,600,000). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return asUtc - (instant - (instant % 1000));
}

/**
 * The instant a wall-clock time (given as if it were UTC) names in a time zone. In the hour that
 * happens twice when clocks go back it is the first; in the hour that does not exist when they go
 * forward, the reading the clock shows after the change (01:30 becomes 02:30 summer time).
 */
function fromWallClock(wall: number, timeZone: string): number {
  const DAY = 86_400_000;
  const before = wall - zoneOffsetMs(wall - DAY, timeZone);
  const after = wall - zoneOffsetMs(wall + DAY, timeZone);
  const names = (t: number) => t + zoneOffsetMs(t, timeZone) === wall;
  if (names(before) && names(after)) return Math.min(before, after);
  if (names(before)) return before;
  if (names(after)) return after;
  return before;
}
