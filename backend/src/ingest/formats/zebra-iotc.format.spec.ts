import { parseZebraIotcBatch } from './zebra-iotc.format';

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);

/** A tag data event as the IoT Connector sends it, with all of its fields. */
function tagData(data: Record<string, unknown> = {}, event: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'SIMPLE',
    timestamp: '2026-11-25T09:59:58.123+0000',
    data: {
      idHex: '3074257bf7194e4000001a85',
      antenna: 1,
      peakRssi: -58,
      reads: 3,
      eventNum: 12,
      format: 'epc',
      channel: 917.25,
      phase: 12.5,
      PC: '3000',
      CRC: 'ABCD',
      userDefined: null,
      ...data,
    },
    ...event,
  };
}

describe(parseZebraIotcBatch.name, () => {
  describe('reads', () => {
    it('normalises a tag data event: upper-case EPC, +0000 offset', () => {
      const sut = parseZebraIotcBatch(tagData(), NOW);

      expect(sut).toEqual({
        observations: [
          { tagId: '3074257BF7194E4000001A85', tech: 'rfid', antenna: 1, rssi: -58, seenAt: NOW - 2000 + 123 },
        ],
        clientBatchId: null,
        problems: [],
        deviceSeenAt: null,
      });
    });

    it.each([
      ['+0100', '2026-11-25T10:59:58.123+0100'],
      ['-05:00', '2026-11-25T04:59:58.123-05:00'],
      ['Z', '2026-11-25T09:59:58.123Z'],
    ])('reads a %s offset', (_label, timestamp) => {
      const sut = parseZebraIotcBatch(tagData({}, { timestamp }), NOW);

      expect(sut.observations.map((o) => o.seenAt)).toEqual([NOW - 2000 + 123]);
    });

    it('reads an array of events, in order', () => {
      const sut = parseZebraIotcBatch(
        [tagData({ idHex: 'aa01', antenna: 2 }), tagData({ idHex: 'aa02', antenna: 3, peakRssi: -70 })],
        NOW,
      );

      expect(sut.observations.map((o) => [o.tagId, o.antenna, o.rssi])).toEqual([
        ['AA01', 2, -58],
        ['AA02', 3, -70],
      ]);
    });

    it('ignores unknown fields in the event and in its data', () => {
      const sut = parseZebraIotcBatch(tagData({ tidHex: 'E280', mac: '84:24:8D' }, { hostName: 'FX9600F0' }), NOW);

      expect(sut.problems).toEqual([]);
      expect(sut.observations).toHaveLength(1);
    });
  });

  describe('heartbeats and management events', () => {
    it('takes a heartbeat as proof the reader is alive, with no reads', () => {
      const sut = parseZebraIotcBatch(
        { type: 'heartbeat', timestamp: '2026-11-25T09:59:30.000+0000', data: { radioConnection: 'connected' } },
        NOW,
      );

      expect(sut).toEqual({ observations: [], clientBatchId: null, problems: [], deviceSeenAt: NOW - 30_000 });
    });

    it('does not validate the data of other events, and uses the receive time when they have none', () => {
      const sut = parseZebraIotcBatch([tagData(), { type: 'gpi', data: 'port 1 high' }], NOW);

      expect(sut.problems).toEqual([]);
      expect(sut.observations).toHaveLength(1);
      expect(sut.deviceSeenAt).toBe(NOW);
    });

    it('reads an event of another type that carries an idHex as a tag read', () => {
      const sut = parseZebraIotcBatch(tagData({}, { type: 'CUSTOM' }), NOW);

      expect(sut.observations).toHaveLength(1);
      expect(sut.deviceSeenAt).toBeNull();
    });
  });

  describe('rejections', () => {
    it('names the item and field of a bad value', () => {
      const sut = parseZebraIotcBatch([tagData(), tagData({ antenna: 'one' }), tagData({ peakRssi: 58 })], NOW);

      expect(sut.problems).toEqual([
        { index: 1, field: 'items[1].data.antenna', message: 'must be integer' },
        { index: 2, field: 'items[2].data.peakRssi', message: 'must be <= 20' },
      ]);
      expect(sut.observations).toEqual([]);
    });

    it('refuses a SIMPLE event without idHex or data', () => {
      const sut = parseZebraIotcBatch([tagData({ idHex: undefined }), { type: 'SIMPLE', timestamp: 'x' }], NOW);

      expect(sut.problems).toEqual([
        { index: 0, field: 'items[0].data.idHex', message: 'is required in a tag data event' },
        { index: 1, field: 'items[1].data', message: 'is required' },
      ]);
    });

    it('refuses an idHex that is not even-length hex', () => {
      const sut = parseZebraIotcBatch(tagData({ idHex: '3074257bf7194e4000001a8' }), NOW);

      expect(sut.problems).toEqual([expect.objectContaining({ index: 0, field: 'items[0].data.idHex' })]);
    });

    it('refuses a time without offset, and an event without type', () => {
      const sut = parseZebraIotcBatch(
        [tagData({}, { timestamp: '2026-11-25T09:59:58.123' }), { timestamp: '2026-11-25T09:59:58Z' }],
        NOW,
      );

      expect(sut.problems).toEqual([
        { index: 0, field: 'items[0].timestamp', message: expect.stringContaining('ISO-8601') },
        { index: 1, field: 'items[1].type', message: 'is required' },
      ]);
    });

    it('refuses a tag data event without timestamp', () => {
      const sut = parseZebraIotcBatch(tagData({}, { timestamp: undefined }), NOW);

      expect(sut.problems).toEqual([{ index: 0, field: 'items[0].timestamp', message: 'is required' }]);
    });
  });
});
