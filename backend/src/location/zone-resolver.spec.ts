import type { TagObservation } from '@backend/queue/queue.contract';
import { type AntennaCoverage, EVIDENCE_WINDOW_MS, resolveZoneFixes } from './zone-resolver';

const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);

/** Reader antennas 1-3 point at three ward zones; antenna 4 is wired but covers nothing. */
const ZONES: Record<number, AntennaCoverage> = {
  1: { zoneId: 'ward-a', floorId: 'f1', x: 1, y: 2 },
  2: { zoneId: 'ward-b', floorId: 'f1', x: 5, y: 6 },
  3: { zoneId: 'theatre', floorId: 'f2', x: 9, y: 3 },
};
const coverage = (antenna: number | null): AntennaCoverage | undefined =>
  antenna === null ? undefined : ZONES[antenna];

function read(tagId: string, antenna: number | null, rssi: number | null, seenAt: number): TagObservation {
  return { tagId, tech: 'rfid', antenna, rssi, seenAt };
}

describe(resolveZoneFixes.name, () => {
  it('places a tag in the zone of the antenna that hears it strongest', () => {
    const fixes = resolveZoneFixes(
      [read('PUMP-1', 1, -70, T0), read('PUMP-1', 2, -52, T0 + 100), read('PUMP-1', 3, -64, T0 + 200)],
      coverage,
    );

    expect(fixes).toEqual([
      { tagId: 'PUMP-1', zoneId: 'ward-b', floorId: 'f1', x: 5, y: 6, antenna: 2, rssi: -52, seenAt: T0 + 200 },
    ]);
  });

  it('ignores a stronger read older than the evidence window before the latest read', () => {
    const fixes = resolveZoneFixes(
      [read('PUMP-1', 1, -40, T0), read('PUMP-1', 2, -75, T0 + EVIDENCE_WINDOW_MS + 1)],
      coverage,
    );

    expect(fixes.map((f) => f.zoneId)).toEqual(['ward-b']);
  });

  it('still counts a stronger read exactly at the edge of the evidence window', () => {
    const fixes = resolveZoneFixes(
      [read('PUMP-1', 1, -40, T0), read('PUMP-1', 2, -75, T0 + EVIDENCE_WINDOW_MS)],
      coverage,
    );

    expect(fixes.map((f) => f.zoneId)).toEqual(['ward-a']);
  });

  it('does not place a tag heard only by antennas without coverage or without an antenna', () => {
    const fixes = resolveZoneFixes([read('PUMP-1', 4, -30, T0), read('PUMP-1', null, -20, T0 + 10)], coverage);

    expect(fixes).toEqual([]);
  });

  it('lets a weaker covered read win over a stronger read on an uncovered antenna', () => {
    const fixes = resolveZoneFixes([read('PUMP-1', 4, -30, T0), read('PUMP-1', 3, -80, T0)], coverage);

    expect(fixes.map((f) => [f.zoneId, f.antenna, f.rssi])).toEqual([['theatre', 3, -80]]);
  });

  it('resolves several tags in one batch independently', () => {
    const fixes = resolveZoneFixes(
      [
        read('PUMP-1', 1, -50, T0),
        read('BED-7', 1, -80, T0 + 5_000),
        read('PUMP-1', 2, -60, T0 + 100),
        read('BED-7', 3, -55, T0 + 5_100),
        read('WHEELCHAIR-2', 4, -40, T0),
      ],
      coverage,
    );

    const byTag = Object.fromEntries(fixes.map((f) => [f.tagId, f]));
    expect(Object.keys(byTag).sort()).toEqual(['BED-7', 'PUMP-1']);
    expect(byTag['PUMP-1']).toMatchObject({ zoneId: 'ward-a', seenAt: T0 + 100 });
    expect(byTag['BED-7']).toMatchObject({ zoneId: 'theatre', seenAt: T0 + 5_100 });
  });

  it("reports the tag's latest read as the time it was seen, even when an earlier read won", () => {
    const fixes = resolveZoneFixes(
      [read('PUMP-1', 1, -45, T0 + 1_500), read('PUMP-1', 2, -70, T0), read('PUMP-1', 2, -70, T0 + 1_900)],
      coverage,
    );

    expect(fixes).toHaveLength(1);
    expect(fixes[0]).toMatchObject({ zoneId: 'ward-a', rssi: -45, seenAt: T0 + 1_900 });
  });

  it('prefers a read with any signal strength over one without', () => {
    const nullFirst = resolveZoneFixes([read('PUMP-1', 1, null, T0), read('PUMP-1', 2, -127, T0)], coverage);
    const nullLast = resolveZoneFixes([read('PUMP-1', 2, -127, T0), read('PUMP-1', 1, null, T0)], coverage);

    expect(nullFirst.map((f) => f.zoneId)).toEqual(['ward-b']);
    expect(nullLast.map((f) => f.zoneId)).toEqual(['ward-b']);
  });

  it('still places a tag when no read reports signal strength', () => {
    const fixes = resolveZoneFixes([read('PUMP-1', 3, null, T0)], coverage);

    expect(fixes).toEqual([expect.objectContaining({ tagId: 'PUMP-1', zoneId: 'theatre', rssi: null })]);
  });
});
