import { parseImpinjSpeedwayBatch } from './impinj-speedway.format';

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const EPC = '3074257BF7194E4000001A85';

/** A Speedway Connect tag record, with the fields the reader always sends. */
function record(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    readerName: 'SpeedwayR-10-9F-3F',
    macAddress: '00:16:25:10:9F:3F',
    antennaPort: 1,
    epc: EPC,
    tid: 'E2801160600002054D2B6A51',
    firstSeenTimestamp: '2026-11-25T09:59:58.12345Z',
    peakRssi: -61,
    isHeartBeat: false,
    ...fields,
  };
}

const heartbeat = { readerName: 'SpeedwayR-10-9F-3F', macAddress: '00:16:25:10:9F:3F', isHeartBeat: true };

describe(parseImpinjSpeedwayBatch.name, () => {
  describe('reads', () => {
    it('normalises a tag record (5 fractional digits, dBm as sent)', () => {
      const sut = parseImpinjSpeedwayBatch(record(), NOW);

      expect(sut).toEqual({
        observations: [{ tagId: EPC, tech: 'rfid', antenna: 1, rssi: -61, seenAt: NOW - 2000 + 123 }],
        clientBatchId: null,
        problems: [],
        deviceSeenAt: null,
      });
    });

    it('reads 6 fractional digits and records without tid or isHeartBeat', () => {
      const sut = parseImpinjSpeedwayBatch(
        [record({ firstSeenTimestamp: '2026-11-25T09:59:59.999999Z', tid: undefined, isHeartBeat: undefined })],
        NOW,
      );

      expect(sut.problems).toEqual([]);
      expect(sut.observations.map((o) => o.seenAt)).toEqual([NOW - 1]);
    });

    it('accepts the large antenna port numbers of xArray sectors', () => {
      const sut = parseImpinjSpeedwayBatch([record({ antennaPort: 52 }), record({ antennaPort: 1024 })], NOW);

      expect(sut.observations.map((o) => o.antenna)).toEqual([52, 1024]);
    });

    it('upper-cases a lower-case epc', () => {
      const sut = parseImpinjSpeedwayBatch(record({ epc: EPC.toLowerCase() }), NOW);

      expect(sut.observations[0].tagId).toBe(EPC);
    });

    it('ignores unknown fields', () => {
      const sut = parseImpinjSpeedwayBatch(record({ hostname: 'speedway', userMemory: 'AB', phaseAngle: 1.2 }), NOW);

      expect(sut.problems).toEqual([]);
      expect(sut.observations).toHaveLength(1);
    });
  });

  describe('heartbeats', () => {
    it('takes a heartbeat without a time as proof the reader is alive now', () => {
      const sut = parseImpinjSpeedwayBatch(heartbeat, NOW);

      expect(sut).toEqual({ observations: [], clientBatchId: null, problems: [], deviceSeenAt: NOW });
    });

    it('uses the heartbeat time when it has one, and keeps the reads beside it', () => {
      const sut = parseImpinjSpeedwayBatch(
        [record(), { ...heartbeat, firstSeenTimestamp: '2026-11-25T09:59:59.00000Z' }],
        NOW,
      );

      expect(sut.observations).toHaveLength(1);
      expect(sut.deviceSeenAt).toBe(NOW - 1000);
    });
  });

  describe('rejections', () => {
    it('names the item and field of a bad value', () => {
      const sut = parseImpinjSpeedwayBatch([record(), record({ peakRssi: '-61' }), record({ antennaPort: 1025 })], NOW);

      expect(sut.problems).toEqual([
        { index: 1, field: 'items[1].peakRssi', message: 'must be number' },
        { index: 2, field: 'items[2].antennaPort', message: 'must be <= 1024' },
      ]);
      expect(sut.observations).toEqual([]);
    });

    it('refuses a tag record without an epc', () => {
      const sut = parseImpinjSpeedwayBatch([heartbeat, record({ epc: undefined })], NOW);

      expect(sut.problems).toEqual([{ index: 1, field: 'items[1].epc', message: expect.stringContaining('required') }]);
    });

    it('refuses an epc that is not even-length hex', () => {
      const sut = parseImpinjSpeedwayBatch(record({ epc: '3074257BF' }), NOW);

      expect(sut.problems).toEqual([expect.objectContaining({ index: 0, field: 'items[0].epc' })]);
    });

    it('refuses a tag record without a time, or with one without offset', () => {
      const sut = parseImpinjSpeedwayBatch(
        [record({ firstSeenTimestamp: undefined }), record({ firstSeenTimestamp: '2026-11-25T09:59:58.12345' })],
        NOW,
      );

      expect(sut.problems).toEqual([
        { index: 0, field: 'items[0].firstSeenTimestamp', message: 'is required' },
        { index: 1, field: 'items[1].firstSeenTimestamp', message: expect.stringContaining('ISO-8601') },
      ]);
    });

    it('refuses a heartbeat whose time cannot be read', () => {
      const sut = parseImpinjSpeedwayBatch({ ...heartbeat, firstSeenTimestamp: 'Wed Nov 25 10:00:00 2026' }, NOW);

      expect(sut.problems).toEqual([expect.objectContaining({ index: 0, field: 'items[0].firstSeenTimestamp' })]);
      expect(sut.deviceSeenAt).toBeNull();
    });

    it('refuses an isHeartBeat that is not a boolean', () => {
      const sut = parseImpinjSpeedwayBatch({ ...heartbeat, isHeartBeat: 'true' }, NOW);

      expect(sut.problems).toEqual([{ index: 0, field: 'items[0].isHeartBeat', message: 'must be boolean' }]);
    });
  });
});
