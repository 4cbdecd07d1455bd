import type { TagObservation } from '@backend/queue/queue.contract';
import { parseGenericBatch } from './generic.format';

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const NOW_ISO = '2026-11-25T10:00:00.000Z';

/** mulberry32: small seeded PRNG so the randomised check is repeatable. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe(parseGenericBatch.name, () => {
  describe('accepted batches', () => {
    it('reads the envelope form and passes the sender batch id through', () => {
      const sut = parseGenericBatch(
        {
          batchId: 'rdr-7:000123',
          reads: [{ tagId: 'e200abc', antenna: 2, rssi: -61.5, seenAt: NOW_ISO, tech: 'rfid' }],
        },
        NOW,
      );

      expect(sut).toEqual({
        clientBatchId: 'rdr-7:000123',
        problems: [],
        observations: [{ tagId: 'E200ABC', tech: 'rfid', antenna: 2, rssi: -61.5, seenAt: NOW }],
        deviceSeenAt: null,
      });
    });

    it('reads a bare array, with no batch id', () => {
      const sut = parseGenericBatch([{ tagId: 'E200ABC', seenAt: NOW }], NOW);

      expect(sut.clientBatchId).toBeNull();
      expect(sut.problems).toEqual([]);
      expect(sut.observations).toEqual([{ tagId: 'E200ABC', tech: 'rfid', antenna: null, rssi: null, seenAt: NOW }]);
    });

    it('reads an envelope without a batch id as having none', () => {
      const sut = parseGenericBatch({ reads: [{ tagId: 'A1', seenAt: NOW }] }, NOW);

      expect(sut.clientBatchId).toBeNull();
      expect(sut.observations).toHaveLength(1);
    });

    it('upper-cases tag ids so one tag has one id whatever case the reader sends', () => {
      const sut = parseGenericBatch(
        [
          { tagId: 'aabbccdd:0001:ff', seenAt: NOW, tech: 'ble' },
          { tagId: 'AaBbCcDd:0001:Ff', seenAt: NOW, tech: 'ble' },
        ],
        NOW,
      );

      expect(sut.observations.map((o) => o.tagId)).toEqual(['AABBCCDD:0001:FF', 'AABBCCDD:0001:FF']);
      expect(sut.observations.map((o) => o.tech)).toEqual(['ble', 'ble']);
    });

    it.each([
      ['Z', '2026-11-25T10:00:00Z', NOW],
      ['+hh:mm', '2026-11-25T11:00:00.000+01:00', NOW],
      ['-hh:mm', '2026-11-25T04:30:00.000-05:30', NOW],
      ['+hhmm', '2026-11-25T15:30:00+0530', NOW],
      ['nine fractional digits', '2026-11-25T09:59:59.123456789Z', NOW - 1000 + 123],
    ])('accepts ISO times with %s', (_label, seenAt, expected) => {
      const sut = parseGenericBatch([{ tagId: 'A1', seenAt }], NOW);

      expect(sut.problems).toEqual([]);
      expect(sut.observations.map((o) => o.seenAt)).toEqual([expected]);
    });

    it('accepts epoch milliseconds', () => {
      const sut = parseGenericBatch([{ tagId: 'A1', seenAt: NOW - 1234 }], NOW);

      expect(sut.observations.map((o) => o.seenAt)).toEqual([NOW - 1234]);
    });

    it('accepts a reader clock up to 5 minutes ahead', () => {
      const sut = parseGenericBatch([{ tagId: 'A1', seenAt: NOW + 5 * 60_000 }], NOW);

      expect(sut.problems).toEqual([]);
      expect(sut.observations).toHaveLength(1);
    });

    it('parses 200 random valid reads without problems and keeps their order', () => {
      const random = seededRandom(20261125);
      const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
      const TAG_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:._-';
      const reads: Record<string, unknown>[] = [];
      const expected: TagObservation[] = [];

      for (let i = 0; i < 200; i++) {
        const tagId = Array.from({ length: int(1, 128) }, () => TAG_CHARS[int(0, TAG_CHARS.length - 1)]).join('');
        let ms = int(Date.UTC(2000, 0, 1), NOW + 5 * 60_000);
        let seenAt: string | number = ms;
        if (random() < 0.6) {
          const digits = int(0, 9);
          ms = digits >= 3 ? ms : ms - (ms % 10 ** (3 - digits));
          const offsetMin = int(-12 * 60, 14 * 60);
          const local = new Date(ms + offsetMin * 60_000).toISOString();
          const fraction = digits === 0 ? '' : `.${(local.slice(20, 23) + '987654').slice(0, digits)}`;
          const abs = Math.abs(offsetMin);
          const hh = String(Math.floor(abs / 60)).padStart(2, '0');
          const mm = String(abs % 60).padStart(2, '0');
          const offset =
            offsetMin === 0 && random() < 0.5
              ? 'Z'
              : `${offsetMin < 0 ? '-' : '+'}${hh}${random() < 0.5 ? ':' : ''}${mm}`;
          seenAt = `${local.slice(0, 19)}${fraction}${offset}`;
        }
        const read: Record<string, unknown> = { tagId, seenAt };
        const antenna = random() < 0.7 ? int(1, 64) : null;
        const rssi = random() < 0.7 ? Math.round((-120 + random() * 140) * 10) / 10 : null;
        const tech = random() < 0.5 ? (random() < 0.5 ? 'rfid' : 'ble') : null;
        if (antenna !== null) read.antenna = antenna;
        if (rssi !== null) read.rssi = rssi;
        if (tech !== null) read.tech = tech;
        reads.push(read);
        expected.push({ tagId: tagId.toUpperCase(), tech: tech ?? 'rfid', antenna, rssi, seenAt: ms });
      }

      const sut = parseGenericBatch({ batchId: 'prop-1', reads }, NOW);

      expect(sut.problems).toEqual([]);
      expect(sut.observations).toEqual(expected);
    });
  });

  describe('rejected batches', () => {
    it('names the read index and field of an out-of-range value', () => {
      const sut = parseGenericBatch(
        [
          { tagId: 'A1', seenAt: NOW },
          { tagId: 'A2', seenAt: NOW },
          { tagId: 'A3', seenAt: NOW, rssi: 45 },
        ],
        NOW,
      );

      expect(sut.problems).toEqual([{ index: 2, field: 'reads[2].rssi', message: 'must be <= 20' }]);
    });

    it('names a missing tag id by index', () => {
      const sut = parseGenericBatch([{ seenAt: NOW }], NOW);

      expect(sut.problems).toEqual([{ index: 0, field: 'reads[0].tagId', message: 'is required' }]);
    });

    it('names an unknown field, so integrators can spot a typo', () => {
      const sut = parseGenericBatch({ reads: [{ tagId: 'A1', seenAt: NOW, x: 1 }] }, NOW);

      expect(sut.problems).toEqual([{ index: 0, field: 'reads[0]', message: 'unknown field "x"' }]);
    });

    it('lists the allowed technologies when an unknown one is sent', () => {
      const sut = parseGenericBatch([{ tagId: 'A1', seenAt: NOW, tech: 'nfc' }], NOW);

      expect(sut.problems).toEqual([{ index: 0, field: 'reads[0].tech', message: 'must be one of rfid, ble' }]);
    });

    it('reports every bad read, not just the first', () => {
      const sut = parseGenericBatch(
        [
          { tagId: 'A1', seenAt: NOW, antenna: 0 },
          { tagId: 'A2', seenAt: NOW },
          { tagId: 'has space', seenAt: NOW },
        ],
        NOW,
      );

      expect(sut.problems.map((p) => [p.index, p.field])).toEqual([
        [0, 'reads[0].antenna'],
        [2, 'reads[2].tagId'],
      ]);
    });

    it('reports envelope problems under "body"', () => {
      const missingReads = parseGenericBatch({ batchId: 'b1' }, NOW);
      const extraField = parseGenericBatch({ reads: [], device: 'rdr-1' }, NOW);
      const notAnObject = parseGenericBatch('reads', NOW);

      expect(missingReads.problems).toEqual([{ index: null, field: 'body.reads', message: 'is required' }]);
      expect(extraField.problems).toEqual([{ index: null, field: 'body', message: 'unknown field "device"' }]);
      expect(notAnObject.problems).toEqual([expect.objectContaining({ index: null, field: 'body' })]);
    });

    it('rejects a batch id with characters outside the tag-id alphabet', () => {
      const sut = parseGenericBatch({ batchId: 'batch 1', reads: [{ tagId: 'A1', seenAt: NOW }] }, NOW);

      expect(sut.problems).toEqual([expect.objectContaining({ index: null, field: 'body.batchId' })]);
      expect(sut.observations).toEqual([]);
    });

    it.each([
      ['a local time without offset', '2026-11-25T10:00:00'],
      ['a date only', '2026-11-25'],
      ['garbage', 'yesterday'],
      ['month 13', '2026-13-01T10:00:00Z'],
    ])('rejects %s with a hint about the expected time format', (_label, seenAt) => {
      const sut = parseGenericBatch(
        [
          { tagId: 'A1', seenAt: NOW },
          { tagId: 'A2', seenAt },
        ],
        NOW,
      );

      expect(sut.problems).toEqual([
        { index: 1, field: 'reads[1].seenAt', message: expect.stringContaining('ISO-8601') },
      ]);
    });

    it.each([
      ['a fractional number', 1764064800000.5],
      ['epoch seconds', 1764064800],
      ['a boolean', true],
    ])('rejects seenAt given as %s', (_label, seenAt) => {
      const sut = parseGenericBatch([{ tagId: 'A1', seenAt }], NOW);

      expect(sut.problems.length).toBeGreaterThan(0);
      expect(sut.problems.every((p) => p.index === 0 && p.field === 'reads[0].seenAt')).toBe(true);
      expect(sut.observations).toEqual([]);
    });

    it('rejects a time more than 5 minutes in the future, pointing at the reader clock', () => {
      const iso = parseGenericBatch([{ tagId: 'A1', seenAt: '2026-11-25T10:05:00.001Z' }], NOW);
      const epoch = parseGenericBatch([{ tagId: 'A1', seenAt: NOW + 5 * 60_000 + 1 }], NOW);

      for (const sut of [iso, epoch]) {
        expect(sut.problems).toEqual([
          { index: 0, field: 'reads[0].seenAt', message: expect.stringContaining('future') },
        ]);
      }
    });

    it('returns no observations at all when any read has a problem', () => {
      const sut = parseGenericBatch(
        {
          batchId: 'b2',
          reads: [
            { tagId: 'A1', seenAt: NOW },
            { tagId: 'A2', seenAt: NOW + 3_600_000 },
            { tagId: 'A3', seenAt: NOW },
          ],
        },
        NOW,
      );

      expect(sut.problems.map((p) => p.index)).toEqual([1]);
      expect(sut.observations).toEqual([]);
      expect(sut.clientBatchId).toBe('b2');
    });
  });
});
