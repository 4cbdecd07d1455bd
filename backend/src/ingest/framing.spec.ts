import fc from 'fast-check';
import { FramingError, splitJsonValues } from './framing';

/** The FramingError thrown by `fn`, for assertions on its fields. */
function framingErrorOf(fn: () => unknown): FramingError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FramingError) return e;
    throw e;
  }
  throw new Error('expected a FramingError');
}

describe(splitJsonValues.name, () => {
  describe('framings readers use', () => {
    it('returns the elements of one JSON array', () => {
      expect(splitJsonValues('[{"a":1},{"b":2}]')).toEqual([{ a: 1 }, { b: 2 }]);
    });

    it('returns one object as one item', () => {
      expect(splitJsonValues(' {"a":1}\n')).toEqual([{ a: 1 }]);
    });

    it('returns nothing for an empty or blank body', () => {
      expect(splitJsonValues('')).toEqual([]);
      expect(splitJsonValues(' \r\n\n\t')).toEqual([]);
    });

    it('reads NDJSON lines, ignoring blank lines and CRLF line ends', () => {
      const body = '{"a":1}\r\n\r\n{"b":2}\n\n{"c":3}\r\n';

      expect(splitJsonValues(body)).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
    });

    it('reads objects back to back with no delimiter, or with spaces and newlines between', () => {
      expect(splitJsonValues('{"a":1}{"b":2}{"c":3}')).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
      expect(splitJsonValues('{"a":1} {"b":2} \n {"c":3}')).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
    });

    it('flattens arrays sent back to back, as a reader sending one array per message does', () => {
      expect(splitJsonValues('[{"a":1},{"b":2}][{"c":3}]\n{"d":4}')).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }, { d: 4 }]);
    });

    it('ignores a byte-order mark before the first value', () => {
      expect(splitJsonValues('\uFEFF{"a":1}')).toEqual([{ a: 1 }]);
    });

    it('is not fooled by braces, brackets and escaped quotes inside strings', () => {
      const body = '{"s":"}{ ]["}{"t":"a \\"quoted\\" }"}{"u":"back\\\\"}{"v":"\\u007d"}';

      expect(splitJsonValues(body)).toEqual([{ s: '}{ ][' }, { t: 'a "quoted" }' }, { u: 'back\\' }, { v: '}' }]);
    });

    it('keeps nested objects and arrays whole', () => {
      const body = '{"e":{"tag":{"epc":"AB","list":[1,{"x":[]}]}}}{"e":{}}';

      expect(splitJsonValues(body)).toEqual([{ e: { tag: { epc: 'AB', list: [1, { x: [] }] } } }, { e: {} }]);
    });

    it('passes top-level scalars through as items, for the format to reject', () => {
      expect(splitJsonValues('1 "two" true\nnull')).toEqual([1, 'two', true, null]);
    });
  });

  describe('broken bodies', () => {
    it('names the item of a truncated value and where it starts', () => {
      const sut = framingErrorOf(() => splitJsonValues('{"a":1}\n{"b":2}\n{"c":'));

      expect(sut.message).toBe('items[2]: JSON value starting at byte 16 is not closed before the body ends');
      expect(sut).toMatchObject({ field: 'items[2]', itemIndex: 2, byteOffset: 16, tooManyItems: false });
    });

    it('names a value cut off inside a string', () => {
      const sut = framingErrorOf(() => splitJsonValues('{"a":1}{"b":"no end'));

      expect(sut).toMatchObject({ field: 'items[1]', itemIndex: 1 });
    });

    it('names the item and the byte of a syntax error', () => {
      const sut = framingErrorOf(() => splitJsonValues('{"a":1}\n{"b":2}\n{"c" 3}'));

      // The third line starts at byte 16; V8 points at the "3" five characters in.
      expect(sut.message).toBe('items[2]: not valid JSON at byte 21');
      expect(sut.detail).toBe('not valid JSON at byte 21');
    });

    it('counts bytes, not characters, in the offset', () => {
      const sut = framingErrorOf(() => splitJsonValues('{"name":"Zimmer Süd"}\n{oops}'));

      // "ü" is two bytes in UTF-8: the second value starts at character 22, byte 23; "o" is one further.
      expect(sut.field).toBe('items[1]');
      expect(sut.byteOffset).toBe(24);
    });

    it('points at the start of the value when V8 gives no position', () => {
      const sut = framingErrorOf(() => splitJsonValues('{"a":1}\n{"b":}'));

      expect(sut.message).toBe('items[1]: not valid JSON (the value starting at byte 8)');
    });

    it('counts the elements of an earlier array in the item index', () => {
      const sut = framingErrorOf(() => splitJsonValues('[{"a":1},{"b":2}]{"c":,}'));

      expect(sut.field).toBe('items[2]');
    });

    it.each([
      ['garbage between values', '{"a":1} x {"b":2}', 'items[1]'],
      ['a comma between values', '{"a":1},{"b":2}', 'items[1]'],
      ['a stray closing brace', '}{"a":1}', 'items[0]'],
      ['mismatched brackets', '{"a":[1}]', 'items[0]'],
    ])('rejects %s', (_label, body, field) => {
      expect(framingErrorOf(() => splitJsonValues(body)).field).toBe(field);
    });

    it('stops once the body holds more items than allowed', () => {
      const sut = framingErrorOf(() => splitJsonValues('{}{}{}{}', 3));

      expect(sut).toMatchObject({ field: 'body', itemIndex: null, tooManyItems: true });
      expect(splitJsonValues('{}{}{}', 3)).toHaveLength(3);
    });
  });

  describe('properties', () => {
    const objects = fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 12 });
    // What one JSON round trip gives (-0 comes back as 0): the splitter cannot do better than JSON.
    const viaJson = (values: unknown[]) => values.map((v) => JSON.parse(JSON.stringify(v)) as unknown);
    const separator = fc.constantFrom('', ' ', '\n', '\r\n', '\n\n', ' \n ', '\t', '\r\n\r\n');

    it('splits any objects back into themselves, whatever whitespace separates them', () => {
      fc.assert(
        fc.property(objects, fc.array(separator, { minLength: 13, maxLength: 13 }), (values, gaps) => {
          const body = values.map((v, i) => `${gaps[i]}${JSON.stringify(v)}`).join('') + gaps[12];

          expect(splitJsonValues(body)).toEqual(viaJson(values));
        }),
      );
    });

    it('splits pretty-printed objects too', () => {
      fc.assert(
        fc.property(objects, (values) => {
          const body = values.map((v) => JSON.stringify(v, null, 2)).join('\n');

          expect(splitJsonValues(body)).toEqual(viaJson(values));
        }),
      );
    });

    it('throws nothing but its own error type on arbitrary text', () => {
      const text = fc.oneof(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', '1', 'a', ' ', '\n') }),
      );
      fc.assert(
        fc.property(text, (body) => {
          try {
            expect(Array.isArray(splitJsonValues(body, 50))).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(FramingError);
          }
        }),
        { numRuns: 2000 },
      );
    });
  });
});
