import { parseIsoInstant } from './time';

const NOON_UTC = Date.UTC(2026, 10, 25, 12, 0, 0);

describe(parseIsoInstant.name, () => {
  it.each([
    ['Z', '2026-11-25T12:00:00Z'],
    ['+hh:mm', '2026-11-25T13:00:00+01:00'],
    ['+hhmm', '2026-11-25T13:00:00+0100'],
    ['-hh:mm', '2026-11-25T07:00:00-05:00'],
    ['-hhmm with half hour', '2026-11-25T08:30:00-0330'],
    ['+hh:mm across midnight', '2026-11-26T01:45:00+13:45'],
    ['+00:00', '2026-11-25T12:00:00+00:00'],
  ])('reads the offset %s', (_label, value) => {
    expect(parseIsoInstant(value)).toBe(NOON_UTC);
  });

  it.each([
    ['2026-11-25T12:00:00.1Z', 100],
    ['2026-11-25T12:00:00.12Z', 120],
    ['2026-11-25T12:00:00.123Z', 123],
    ['2026-11-25T12:00:00.1239Z', 123],
    ['2026-11-25T12:00:00.123999Z', 123],
    ['2026-11-25T12:00:00.999999999Z', 999],
    ['2026-11-25T12:00:00.000000001+01:00', -3_600_000],
  ])('reads %s to the millisecond, truncating rather than rounding', (value, offsetMs) => {
    expect(parseIsoInstant(value)).toBe(NOON_UTC + offsetMs);
  });

  it('reads a time with no fractional part to the whole second', () => {
    expect(parseIsoInstant('2026-11-25T12:00:00Z')).toBe(NOON_UTC);
  });

  it.each([
    ['local time without offset', '2026-11-25T12:00:00'],
    ['local time with fraction, no offset', '2026-11-25T12:00:00.123'],
    ['ten fractional digits', '2026-11-25T12:00:00.1234567890Z'],
    ['empty fraction', '2026-11-25T12:00:00.Z'],
    ['date only', '2026-11-25'],
    ['space instead of T', '2026-11-25 12:00:00Z'],
    ['no seconds', '2026-11-25T12:00Z'],
    ['hour-only offset', '2026-11-25T12:00:00+01'],
    ['trailing text', '2026-11-25T12:00:00Zjunk'],
    ['leading space', ' 2026-11-25T12:00:00Z'],
    ['garbage', 'not a time'],
    ['empty', ''],
    ['epoch millis as text', '1764072000000'],
  ])('rejects %s', (_label, value) => {
    expect(parseIsoInstant(value)).toBeNull();
  });

  it.each([
    ['month 13', '2026-13-01T12:00:00Z'],
    ['month 00', '2026-00-10T12:00:00Z'],
    ['day 32', '2026-01-32T12:00:00Z'],
    ['minute 60', '2026-11-25T12:60:00Z'],
    ['hour 25', '2026-11-25T25:00:00Z'],
    ['offset beyond 24 hours', '2026-11-25T12:00:00+25:00'],
  ])('rejects an impossible date or time: %s', (_label, value) => {
    expect(parseIsoInstant(value)).toBeNull();
  });
});

describe('parseIsoInstant calendar checks', () => {
  it.each(['2026-02-30T10:00:00Z', '2026-04-31T10:00:00Z', '2025-02-29T00:00:00Z'])(
    'rejects %s, a day that does not exist (Date.parse would roll it into the next month)',
    (value) => {
      expect(parseIsoInstant(value)).toBeNull();
    },
  );

  it('accepts 29 February in a leap year', () => {
    expect(parseIsoInstant('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
  });
});

describe('parseIsoInstant with the site time zone (reader times without an offset)', () => {
  it('refuses a local time when no site time zone is known', () => {
    expect(parseIsoInstant('2026-07-01T10:00:00')).toBeNull();
  });

  it.each([
    ['summer time in London', '2026-07-01T10:00:00.250', 'Europe/London', '2026-07-01T09:00:00.250Z'],
    ['winter in London', '2026-01-15T10:00:00', 'Europe/London', '2026-01-15T10:00:00.000Z'],
    ['New York in winter', '2026-01-15T10:00:00', 'America/New_York', '2026-01-15T15:00:00.000Z'],
    ['Kolkata (half-hour offset)', '2026-05-01T12:00:00', 'Asia/Kolkata', '2026-05-01T06:30:00.000Z'],
    [
      'the repeated hour when clocks go back: the first one',
      '2026-10-25T01:30:00',
      'Europe/London',
      '2026-10-25T00:30:00.000Z',
    ],
    [
      'the missing hour when clocks go forward: read as after the change',
      '2026-03-29T01:30:00',
      'Europe/London',
      '2026-03-29T01:30:00.000Z',
    ],
  ])('reads %s', (_label, value, zone, expected) => {
    expect(new Date(parseIsoInstant(value, zone)!).toISOString()).toBe(expected);
  });

  it('ignores the site zone when the time carries its own offset', () => {
    expect(parseIsoInstant('2026-07-01T10:00:00+02:00', 'Europe/London')).toBe(Date.UTC(2026, 6, 1, 8, 0, 0));
  });
});
