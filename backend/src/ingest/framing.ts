/**
 * Splits a raw ingest body into JSON values, whatever framing the reader used: one JSON value,
 * NDJSON lines, or objects back to back with no delimiter at all (`}{`), as fixed readers send
 * them over TCP and WebSocket. A top-level array contributes its elements, so `[a,b]`, `a\nb`
 * and `a b` all give the items `[a, b]`.
 *
 * One pass over the text, counting brackets outside strings (escape-aware); each value is then
 * handed to `JSON.parse`. No recursion and no backtracking: work is linear in the body, which
 * Fastify's body limit already bounds, and `maxItems` stops early on a body of many tiny values.
 */

/** Why a body could not be split, as `<field>: <detail>`, e.g. "items[4]: not valid JSON at byte 37". */
export class FramingError extends Error {
  constructor(
    /** `items[i]`, i being the index the broken value would have had; `body` for the size limit. */
    readonly field: string,
    readonly detail: string,
    /** Item index of the broken value; null when the problem is the body as a whole. */
    readonly itemIndex: number | null,
    /** Byte offset in the UTF-8 body where the problem is (or where the broken value starts). */
    readonly byteOffset: number,
    /** True when the body holds more than the allowed number of items (a 413, not a 400). */
    readonly tooManyItems = false,
  ) {
    super(`${field}: ${detail}`);
    this.name = FramingError.name;
  }
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const BOM = 0xfeff;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB || c === BOM;
}

/** Index just past the string that opens at `start` (a quote), or -1 if the text ends inside it. */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/** Index just past the object or array that opens at `start`, or -1 if the text ends inside it. */
function endOfContainer(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = endOfString(text, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      // A mismatched pair ("{]") closes here too; JSON.parse then rejects the value.
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** A bare scalar (number, true, garbage) runs to the next space or the start of another value. */
function endOfScalar(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isSpace(c) || c === OPEN_BRACE || c === OPEN_BRACKET || c === QUOTE) break;
    i++;
  }
  return i;
}

function byteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index), 'utf8');
}

/**
 * The JSON values in `text`, in order, with top-level arrays flattened into their elements.
 * Blank lines, CRLF and any whitespace between values are ignored.
 * @throws FramingError naming the item index and byte offset of the first broken value, or
 *   with `tooManyItems` once more than `maxItems` values are found.
 */
export function splitJsonValues(text: string, maxItems = Number.POSITIVE_INFINITY): unknown[] {
  const items: unknown[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (i >= text.length) return items;
    const start = i;
    const c = text.charCodeAt(i);
    const end =
      c === OPEN_BRACE || c === OPEN_BRACKET
        ? endOfContainer(text, start)
        : c === QUOTE
          ? endOfString(text, start)
          : endOfScalar(text, start);
    if (end < 0) {
      const at = byteOffset(text, start);
      throw new FramingError(
        `items[${items.length}]`,
        `JSON value starting at byte ${at} is not closed before the body ends`,
        items.length,
        at,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(text.slice(start, end));
    } catch (e) {
      // V8 names the position of many syntax errors; otherwise point at where the value starts.
      const position = /at position (\d+)/.exec((e as Error).message);
      const at = byteOffset(text, start + (position ? Number(position[1]) : 0));
      const detail = position ? `not valid JSON at byte ${at}` : `not valid JSON (the value starting at byte ${at})`;
      throw new FramingError(`items[${items.length}]`, detail, items.length, at);
    }
    // A loop, not push(...value): spreading a huge array would overflow the call stack.
    if (Array.isArray(value)) for (const element of value as unknown[]) items.push(element);
    else items.push(value);
    if (items.length > maxItems) {
      throw new FramingError(
        'body',
        `more than ${maxItems} items; at most ${maxItems} per request (split it)`,
        null,
        byteOffset(text, end),
        true,
      );
    }
    i = end;
  }
}
