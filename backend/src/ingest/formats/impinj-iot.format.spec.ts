import { parseImpinjIotBatch } from './impinj-iot.format';

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const EPC = '3074257BF7194E4000001A85';

/** A tag inventory event as an R700 streams it, with the vendor's extra fields. */
function tagEvent(tag: Record<string, unknown> = {}, event: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timestamp: '2026-11-25T09:59:58.123456789Z',
    hostname: 'impinj-14-30-c6',
    eventType: 'tagInventory',
    tagInventoryEvent: {
      epcHex: EPC,
      antennaPort: 1,
      antennaName: 'Antenna 1',
      peakRssiCdbm: -5250,
      frequency: 920250,
      transmitPowerCdbm: 3000,
      ...tag,
    },
    ...event,
  };
}

describe(parseImpinjIotBatch.name, () => {
  describe('reads', () => {
    it('normalises a tag inventory event: centi-dBm to dBm, nanosecond timestamp to ms', () => {
      const sut = parseImpinjIotBatch(tagEvent(), NOW);

      expect(sut).toEqual({
        observations: [{ tagId: EPC, tech: 'rfid', antenna: 1, rssi: -52.5, seenAt: NOW - 2000 + 123 }],
        clientBatchId: null,
        problems: [],
        deviceSeenAt: null,
      });
    });

    it('keeps the hundredths of a centi-dBm value', () => {
      const sut = parseImpinjIotBatch(tagEvent({ peakRssiCdbm: -2650 }), NOW);

      expect(sut.observations[0].rssi).toBe(-26.5);
    });

    it('decodes a base64 epc to upper-case hex', () => {
      const epc = Buffer.from(EPC, 'hex').toString('base64');
      const sut = parseImpinjIotBatch(tagEvent({ epcHex: undefined, epc }), NOW);

      expect(epc).toBe('MHQle/cZTkAAABqF');
      expect(sut.observations.map((o) => o.tagId)).toEqual([EPC]);
    });

    it('upper-cases a lower-case epcHex and keeps non-GS1 EPCs as raw hex', () => {
      const sut = parseImpinjIotBatch([tagEvent({ epcHex: 'e2801160600002' }), tagEvent({ epcHex: '9999' })], NOW);

      expect(sut.observations.map((o) => o.tagId)).toEqual(['E2801160600002', '9999']);
    });

    it('uses lastSeenTime when the event has it, else the event timestamp', () => {
      const sut = parseImpinjIotBatch(
        [tagEvent({ lastSeenTime: '2026-11-25T09:59:59.5Z' }), tagEvent({}, { timestamp: '2026-11-25T09:59:00Z' })],
        NOW,
      );

      expect(sut.observations.map((o) => o.seenAt)).toEqual([NOW - 500, NOW - 60_000]);
    });

    it('tolerates a capture without eventType', () => {
      const sut = parseImpinjIotBatch(tagEvent({}, { eventType: undefined }), NOW);

      expect(sut.problems).toEqual([]);
      expect(sut.observations).toHaveLength(1);
    });

    it('ignores unknown fields, as new firmware adds them', () => {
      const sut = parseImpinjIotBatch(
        tagEvent({ phaseAngle: 31.5, tidHex: 'E2801160', xpcWords: [1] }, { firmware: '8.4.1', extra: { a: 1 } }),
        NOW,
      );

      expect(sut.problems).toEqual([]);
      expect(sut.observations).toHaveLength(1);
    });

    it('reads a tag without antenna or RSSI as unknown ones', () => {
      const sut = parseImpinjIotBatch(tagEvent({ antennaPort: undefined, peakRssiCdbm: undefined }), NOW);

      expect(sut.observations[0]).toMatchObject({ antenna: null, rssi: null });
    });
  });

  describe('other events', () => {
    it.each(['antennaConnectedEvent', 'inventoryStatusEvent', 'diagnosticEvent'])(
      'takes %s as proof the reader is alive, with no reads',
      (kind) => {
        const sut = parseImpinjIotBatch(
          { timestamp: '2026-11-25T09:59:30Z', hostname: 'impinj-14-30-c6', [kind]: { status: 'running' } },
          NOW,
        );

        expect(sut).toMatchObject({ observations: [], problems: [], deviceSeenAt: NOW - 30_000 });
      },
    );

    it('keeps the newest status time among several', () => {
      const sut = parseImpinjIotBatch(
        [
          { timestamp: '2026-11-25T09:59:50Z', eventType: 'inventoryStatus', inventoryStatusEvent: {} },
          tagEvent(),
          { timestamp: '2026-11-25T09:59:55Z', eventType: 'diagnostic', diagnosticEvent: {} },
          { timestamp: '2026-11-25T09:59:40Z', eventType: 'antennaConnected', antennaConnectedEvent: {} },
        ],
        NOW,
      );

      expect(sut.observations).toHaveLength(1);
      expect(sut.deviceSeenAt).toBe(NOW - 5_000);
    });
  });

  describe('rejections', () => {
    it('names the item and field of a non-integer centi-dBm value', () => {
      const sut = parseImpinjIotBatch([tagEvent(), tagEvent(), tagEvent(), tagEvent({ peakRssiCdbm: -52.5 })], NOW);

      expect(sut.problems).toEqual([
        { index: 3, field: 'items[3].tagInventoryEvent.peakRssiCdbm', message: 'must be integer' },
      ]);
      expect(sut.observations).toEqual([]);
    });

    it('refuses a tag read without any EPC', () => {
      const sut = parseImpinjIotBatch(tagEvent({ epcHex: undefined }), NOW);

      expect(sut.problems).toEqual([
        { index: 0, field: 'items[0].tagInventoryEvent.epcHex', message: 'is required (or the base64 epc)' },
      ]);
    });

    it('refuses a tagInventory event without its tagInventoryEvent', () => {
      const sut = parseImpinjIotBatch({ timestamp: '2026-11-25T09:59:30Z', eventType: 'tagInventory' }, NOW);

      expect(sut.problems).toEqual([expect.objectContaining({ index: 0, field: 'items[0].tagInventoryEvent' })]);
    });

    it.each([
      ['odd length', '3074257BF7194E4000001A8'],
      ['not hex', '3074257BF7194E4000001AZZ'],
      ['empty', ''],
    ])('refuses an epcHex that is %s', (_label, epcHex) => {
      const sut = parseImpinjIotBatch(tagEvent({ epcHex }), NOW);

      expect(sut.problems).toEqual([
        {
          index: 0,
          field: 'items[0].tagInventoryEvent.epcHex',
          message: 'must be an EPC in hex: an even number of hex digits, at most 128',
        },
      ]);
    });

    it('refuses an epc that is not base64', () => {
      const sut = parseImpinjIotBatch(tagEvent({ epcHex: undefined, epc: 'not base64!' }), NOW);

      expect(sut.problems).toEqual([expect.objectContaining({ index: 0, field: 'items[0].tagInventoryEvent.epc' })]);
    });

    it.each([
      ['no offset', '2026-11-25T09:59:58.123'],
      ['ten fractional digits', '2026-11-25T09:59:58.1234567891Z'],
      ['not a time', 'now'],
    ])('refuses a time with %s, naming the field', (_label, lastSeenTime) => {
      const sut = parseImpinjIotBatch([tagEvent(), tagEvent({ lastSeenTime })], NOW);

      expect(sut.problems).toEqual([
        { index: 1, field: 'items[1].tagInventoryEvent.lastSeenTime', message: expect.stringContaining('ISO-8601') },
      ]);
    });

    it('refuses an event timestamp more than 5 minutes ahead', () => {
      const sut = parseImpinjIotBatch(tagEvent({}, { timestamp: '2026-11-25T10:30:00Z' }), NOW);

      expect(sut.problems).toEqual([
        { index: 0, field: 'items[0].timestamp', message: expect.stringContaining('future') },
      ]);
    });

    it('refuses an event without a timestamp, or that is not an object', () => {
      const sut = parseImpinjIotBatch([tagEvent({}, { timestamp: undefined }), 'tag'], NOW);

      expect(sut.problems).toEqual([
        { index: 0, field: 'items[0].timestamp', message: 'is required' },
        { index: 1, field: 'items[1]', message: 'must be object' },
      ]);
    });

    it('refuses an antenna port out of range', () => {
      const sut = parseImpinjIotBatch(tagEvent({ antennaPort: 0 }), NOW);

      expect(sut.problems).toEqual([
        { index: 0, field: 'items[0].tagInventoryEvent.antennaPort', message: 'must be >= 1' },
      ]);
    });

    it('reports no device time for a batch it refuses', () => {
      const sut = parseImpinjIotBatch(
        [{ timestamp: '2026-11-25T09:59:30Z', inventoryStatusEvent: {} }, tagEvent({ epcHex: 'X' })],
        NOW,
      );

      expect(sut.deviceSeenAt).toBeNull();
      expect(sut.problems).toHaveLength(1);
    });
  });
});
