import { tagAt } from '../../testing/fixtures';
import { SPREAD_SPACING_M } from './map-geometry';
import { TagMarker, groupByZone, matchesFilter, reconcileTagMarkers } from './tag-markers';

const HEIGHT = 40;

function markersOf(tags: Parameters<typeof reconcileTagMarkers>[1], previous = new Map<string, TagMarker>()) {
  return reconcileTagMarkers(previous, tags, HEIGHT);
}

describe(reconcileTagMarkers.name, () => {
  it('labels a marker with the asset and places it at the reported position', () => {
    const marker = markersOf([tagAt('T1', { x: 15, y: 10 })]).get('T1')!;

    expect(marker).toMatchObject({
      label: 'Pump T1',
      assetType: 'Infusion pump',
      status: 'available',
      zoneName: 'Room 412',
      latLng: [30, 15],
      lastSeenAt: Date.parse('2026-11-25T10:00:00.000Z'),
    });
  });

  it('labels a tag without an asset by its tag id', () => {
    const marker = markersOf([tagAt('E280-0001', { asset: null })]).get('E280-0001')!;

    expect(marker.label).toBe('E280-0001');
    expect(marker.status).toBeNull();
  });

  it('spreads tags reported at one point so none hides another', () => {
    const markers = markersOf([tagAt('C'), tagAt('A'), tagAt('B')]);

    const positions = ['A', 'B', 'C'].map((id) => markers.get(id)!.latLng.join(','));
    expect(new Set(positions).size).toBe(3);
    expect(markers.get('A')!.latLng).toEqual([30, 15]);
    expect(markers.get('B')!.latLng).toEqual([30 + SPREAD_SPACING_M, 15]);
  });

  it('spreads the same way on every load (deterministic)', () => {
    const tags = [tagAt('C'), tagAt('A'), tagAt('B')];

    expect([...markersOf(tags).values()]).toEqual([...markersOf([...tags].reverse()).values()].reverse());
  });

  it('keeps a waiting tag where it is when another tag arrives at the same point', () => {
    const first = markersOf([tagAt('M'), tagAt('Z')]);
    const second = markersOf([tagAt('A'), tagAt('M'), tagAt('Z')], first);

    expect(second.get('M')!.latLng).toEqual(first.get('M')!.latLng);
    expect(second.get('Z')!.latLng).toEqual(first.get('Z')!.latLng);
    expect(second.get('A')!.slot).toBe(2);
  });

  it('returns the very same marker when nothing about the tag changed', () => {
    const first = markersOf([tagAt('T1'), tagAt('T2', { x: 45, y: 30 })]);
    const second = markersOf([tagAt('T1'), tagAt('T2', { x: 46, y: 30 })], first);

    expect(second.get('T1')).toBe(first.get('T1'));
    expect(second.get('T2')).not.toBe(first.get('T2'));
    expect(second.get('T2')!.latLng).toEqual([10, 46]);
  });

  it('drops tags that are no longer reported on the floor', () => {
    const first = markersOf([tagAt('T1'), tagAt('T2')]);
    const second = markersOf([tagAt('T2')], first);

    expect([...second.keys()]).toEqual(['T2']);
    expect(second.get('T2')!.latLng).toEqual([30, 15]);
  });
});

describe(matchesFilter.name, () => {
  const pump = markersOf([tagAt('T1')]).get('T1')!;

  it.each(['', 'infusion pump', 'PUMP', 'room 412', 'available', 'pump t1'])(
    '"%s" finds an available infusion pump',
    (filter) => {
      expect(matchesFilter(pump, filter)).toBe(true);
    },
  );

  it.each(['bed', 'pump icu', 'missing'])('"%s" does not', (filter) => {
    expect(matchesFilter(pump, filter)).toBe(false);
  });
});

describe(groupByZone.name, () => {
  it('lists zones and their tags alphabetically, "Bay 2" before "Bay 10"', () => {
    const markers = markersOf([
      tagAt('T1', { zoneId: 'b10', zoneName: 'Bay 10' }),
      tagAt('T2', {
        zoneId: 'b2',
        zoneName: 'Bay 2',
        asset: { id: 'a2', name: 'Wheelchair', assetType: 'Wheelchair', status: 'in_use' },
      }),
      tagAt('T3', {
        zoneId: 'b2',
        zoneName: 'Bay 2',
        asset: { id: 'a3', name: 'Bladder scanner', assetType: 'Scanner', status: 'missing' },
      }),
    ]);

    const groups = groupByZone(markers.values());

    expect(groups.map((group) => [group.zoneName, group.markers.map((marker) => marker.label)])).toEqual([
      ['Bay 2', ['Bladder scanner', 'Wheelchair']],
      ['Bay 10', ['Pump T1']],
    ]);
  });
});
