import { formatAgo } from './relative-time';

describe(formatAgo.name, () => {
  const now = Date.parse('2026-11-25T10:00:00Z');

  it.each([
    [0, 'just now'],
    [999, 'just now'],
    [1_000, '1 s ago'],
    [12_400, '12 s ago'],
    [59_999, '59 s ago'],
    [60_000, '1 min ago'],
    [59 * 60_000, '59 min ago'],
    [3 * 3_600_000, '3 h ago'],
    [50 * 3_600_000, '2 d ago'],
  ])('%i ms before now reads "%s"', (ageMs, expected) => {
    expect(formatAgo(now - ageMs, now)).toBe(expected);
  });

  it('reads "just now" when the server clock is slightly ahead of the browser', () => {
    expect(formatAgo(now + 1_500, now)).toBe('just now');
  });
});
