/**
 * Sanitises an uploaded floor plan SVG. Pure: text in, text out.
 *
 * The drawing is parsed with a small, strict XML tokenizer (no regex stripping): input it cannot
 * parse is refused, and so are DOCTYPE and ENTITY declarations, which closes XXE and
 * entity-expansion ("billion laughs") attacks before they start. What parses is rebuilt from an
 * allow-list of SVG elements and attributes; everything else is dropped and reported, so an
 * admin sees what the drawing lost. The output is serialised by us, never copied from the input,
 * so nothing the tokenizer did not understand can slip through.
 */

/** The drawing cannot be accepted at all (as opposed to parts of it being removed). */
export class SvgRejected extends Error {}

export interface SanitisedSvg {
  /** The rebuilt drawing. */
  svg: string;
  /** What was removed, in words (`<script> element`, `onload attribute on <svg>`), each once with a count. */
  removed: string[];
  /** The root's viewBox: min-x, min-y, width, height. */
  viewBox: [number, number, number, number];
}

export const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';
const XLINK_NAMESPACE = 'http://www.w3.org/1999/xlink';
/** Deeper nesting than any drawing needs; refusing it bounds the parser's work. */
const MAX_DEPTH = 256;

/** Elements kept: structure, shapes, text, paint servers, clipping. Anything else goes with its content. */
const ELEMENTS = new Set([
  'svg',
  'g',
  'defs',
  'symbol',
  'use',
  'title',
  'desc',
  'style',
  'rect',
  'circle',
  'ellipse',
  'line',
  'polyline',
  'polygon',
  'path',
  'text',
  'tspan',
  'textPath',
  'linearGradient',
  'radialGradient',
  'stop',
  'pattern',
  'clipPath',
  'mask',
  'marker',
]);

/** Attributes kept (besides `data-*` and `aria-*`); their values are still checked for external references. */
const ATTRIBUTES = new Set([
  // identity and structure
  'id',
  'class',
  'style',
  'lang',
  'xml:lang',
  'xml:space',
  'version',
  'type',
  'media',
  'baseProfile',
  'role',
  'href',
  'xlink:href',
  'viewBox',
  'preserveAspectRatio',
  'transform',
  // geometry
  'x',
  'y',
  'x1',
  'y1',
  'x2',
  'y2',
  'cx',
  'cy',
  'r',
  'rx',
  'ry',
  'fx',
  'fy',
  'fr',
  'width',
  'height',
  'd',
  'points',
  'pathLength',
  'dx',
  'dy',
  'rotate',
  'textLength',
  'lengthAdjust',
  'startOffset',
  'method',
  'spacing',
  'side',
  'path',
  // paint
  'fill',
  'fill-opacity',
  'fill-rule',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'stroke-dashoffset',
  'stroke-linecap',
  'stroke-linejoin',
  'stroke-miterlimit',
  'opacity',
  'color',
  'visibility',
  'display',
  'paint-order',
  'vector-effect',
  'shape-rendering',
  'text-rendering',
  'image-rendering',
  'color-interpolation',
  'clip-path',
  'clip-rule',
  'clipPathUnits',
  'mask',
  'maskUnits',
  'maskContentUnits',
  'marker-start',
  'marker-mid',
  'marker-end',
  'markerWidth',
  'markerHeight',
  'markerUnits',
  'refX',
  'refY',
  'orient',
  // gradients and patterns
  'offset',
  'stop-color',
  'stop-opacity',
  'gradientUnits',
  'gradientTransform',
  'spreadMethod',
  'patternUnits',
  'patternContentUnits',
  'patternTransform',
  // text
  'font-family',
  'font-size',
  'font-size-adjust',
  'font-style',
  'font-variant',
  'font-weight',
  'font-stretch',
  'text-anchor',
  'text-decoration',
  'dominant-baseline',
  'alignment-baseline',
  'baseline-shift',
  'letter-spacing',
  'word-spacing',
  'writing-mode',
  'direction',
  'unicode-bidi',
]);

const DATA_OR_ARIA = /^(data-[A-Za-z0-9_.-]+|aria-[a-z]+)$/;

// ---------------------------------------------------------------------------------------------
// Tokenizer: the subset of XML 1.0 a drawing needs, strictly.

interface XmlAttribute {
  name: string;
  value: string;
}

type XmlToken =
  | { kind: 'declaration' }
  | { kind: 'open'; name: string; attributes: XmlAttribute[]; selfClosing: boolean; offset: number }
  | { kind: 'close'; name: string; offset: number }
  | { kind: 'text'; text: string; offset: number }
  | { kind: 'instruction'; target: string };

const NAME = /[A-Za-z_][A-Za-z0-9_.:-]*/y;
const REFERENCE = /&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]*);/y;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** Index of the first character XML 1.0 allows nowhere (C0 controls but tab and line ends, U+FFFE/F), or -1. */
function forbiddenCharAt(input: string): number {
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if ((c < 0x20 && c !== 0x9 && c !== 0xa && c !== 0xd) || c === 0xfffe || c === 0xffff) return i;
  }
  return -1;
}

function position(input: string, offset: number): string {
  const before = input.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/**
 * Splits a document into tokens, decoding character references. Throws SvgRejected with the line
 * and column of the first thing that is not well-formed XML or not accepted (DOCTYPE, ENTITY).
 */
function tokenize(input: string): XmlToken[] {
  const tokens: XmlToken[] = [];
  let i = input.startsWith('\uFEFF') ? 1 : 0;
  const fail = (message: string, at = i): never => {
    throw new SvgRejected(`${position(input, at)}: ${message}`);
  };
  const forbidden = forbiddenCharAt(input);
  if (forbidden >= 0) fail('control characters are not allowed in XML', forbidden);

  const readName = (at: number): string | null => {
    NAME.lastIndex = at;
    return NAME.exec(input)?.[0] ?? null;
  };
  const skipSpace = (at: number): number => {
    while (at < input.length && ' \t\r\n'.includes(input[at])) at++;
    return at;
  };
  const decode = (raw: string, at: number): string => {
    if (!raw.includes('&')) return raw;
    let out = '';
    let from = 0;
    for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', from)) {
      out += raw.slice(from, amp);
      REFERENCE.lastIndex = amp;
      const match = REFERENCE.exec(raw);
      if (!match) fail('"&" must start a reference such as &amp; (write & as &amp;)', at + amp);
      const ref = match![1];
      if (ref.startsWith('#')) {
        const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        if (!isXmlChar(cp)) fail(`&${ref}; is not a character XML allows`, at + amp);
        out += String.fromCodePoint(cp);
      } else {
        const char = PREDEFINED[ref];
        if (char === undefined) fail(`undefined entity &${ref}; (only &amp; &lt; &gt; &quot; &apos; exist)`, at + amp);
        out += char;
      }
      from = amp + match![0].length;
    }
    return out + raw.slice(from);
  };

  if (input.startsWith('<?xml', i) && /[\s?]/.test(input[i + 5] ?? '')) {
    const end = input.indexOf('?>', i);
    if (end < 0) fail('unterminated XML declaration');
    const encoding = /encoding\s*=\s*["']([^"']*)["']/.exec(input.slice(i, end))?.[1];
    if (encoding && !/^utf-?8$/i.test(encoding))
      fail(`encoding ${encoding} is not accepted: save the drawing as UTF-8`);
    tokens.push({ kind: 'declaration' });
    i = end + 2;
  }

  while (i < input.length) {
    const lt = input.indexOf('<', i);
    if (lt !== i) {
      const end = lt < 0 ? input.length : lt;
      tokens.push({ kind: 'text', text: decode(input.slice(i, end), i), offset: i });
      i = end;
      continue;
    }
    if (input.startsWith('<!--', i)) {
      const end = input.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      i = end + 3; // comments are dropped: nothing in them is drawn
      continue;
    }
    if (input.startsWith('<![CDATA[', i)) {
      const end = input.indexOf(']]>', i + 9);
      if (end < 0) fail('unterminated CDATA section');
      tokens.push({ kind: 'text', text: input.slice(i + 9, end), offset: i });
      i = end + 3;
      continue;
    }
    if (input.startsWith('<!', i)) {
      const word = (/^<!([A-Za-z]*)/.exec(input.slice(i, i + 12))?.[1] ?? '').toUpperCase();
      if (word === 'DOCTYPE' || word === 'ENTITY')
        fail(`<!${word}> declarations are refused (they can define entities and pull in external files)`);
      fail('unsupported markup declaration "<!"');
    }
    if (input.startsWith('<?', i)) {
      const end = input.indexOf('?>', i + 2);
      if (end < 0) fail('unterminated processing instruction');
      const target = readName(i + 2) ?? '';
      if (target.toLowerCase() === 'xml') fail('the XML declaration must come first');
      tokens.push({ kind: 'instruction', target });
      i = end + 2;
      continue;
    }
    if (input.startsWith('</', i)) {
      const name = readName(i + 2);
      if (!name) fail('expected an element name after "</"');
      const end = skipSpace(i + 2 + name!.length);
      if (input[end] !== '>') fail(`expected ">" to end </${name}`, end);
      tokens.push({ kind: 'close', name: name!, offset: i });
      i = end + 1;
      continue;
    }
    const name = readName(i + 1);
    if (!name) fail('expected an element name after "<" (write < as &lt; in text)');
    const attributes: XmlAttribute[] = [];
    let j = i + 1 + name!.length;
    let selfClosing = false;
    for (;;) {
      const afterSpace = skipSpace(j);
      if (afterSpace >= input.length) fail(`unterminated tag <${name}`, i);
      if (input[afterSpace] === '>') {
        j = afterSpace + 1;
        break;
      }
      if (input.startsWith('/>', afterSpace)) {
        selfClosing = true;
        j = afterSpace + 2;
        break;
      }
      if (afterSpace === j) fail(`expected a space, ">" or "/>" in <${name}`, j);
      const attr = readName(afterSpace);
      if (!attr) fail(`malformed attribute in <${name}`, afterSpace);
      let k = skipSpace(afterSpace + attr!.length);
      if (input[k] !== '=') fail(`attribute ${attr} of <${name}> has no value`, k);
      k = skipSpace(k + 1);
      const quote = input[k];
      if (quote !== '"' && quote !== "'") fail(`the value of attribute ${attr} must be quoted`, k);
      const close = input.indexOf(quote, k + 1);
      if (close < 0) fail(`unterminated value of attribute ${attr}`, k);
      const raw = input.slice(k + 1, close);
      if (raw.includes('<')) fail(`"<" in the value of attribute ${attr} (write it as &lt;)`, k);
      if (attributes.some((a) => a.name === attr)) fail(`attribute ${attr} appears twice in <${name}>`, afterSpace);
      // XML attribute-value normalisation: literal white space becomes a space; references are kept.
      attributes.push({ name: attr!, value: decode(raw.replace(/[\t\n\r]/g, ' '), k + 1) });
      j = close + 1;
    }
    tokens.push({ kind: 'open', name: name!, attributes, selfClosing, offset: i });
    i = j;
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Checks of values

/** Why a value (an attribute, a style sheet) could fetch something or run script, or null when it cannot. */
function resourceProblem(value: string): string | null {
  if (/@import/i.test(value)) return '@import';
  if (/expression\s*\(/i.test(value)) return 'expression()';
  if (/javascript\s*:|vbscript\s*:|behavior\s*:|-moz-binding/i.test(value)) return 'script';
  if (/(^|[^\w-])(-webkit-)?(image-set|image|cross-fade|src|element)\s*\(/i.test(value)) return 'external resource';
  const urls = /url\s*\(\s*(["']?)([^"')]*)\1\s*\)/gi;
  const all = value.match(/url\s*\(/gi)?.length ?? 0;
  const local = [...value.matchAll(urls)].filter((m) => m[2].trim().startsWith('#')).length;
  return all === local ? null : 'external url()';
}

function cssProblem(css: string): string | null {
  // Escapes and comments are how filters are fooled ("u\rl(", "ur/**/l("): a plan needs neither.
  if (css.includes('\\')) return 'CSS escapes';
  if (css.includes('/*') || css.includes('*/')) return 'CSS comments';
  if (css.includes('<')) return 'markup';
  return resourceProblem(css);
}

function parseViewBox(value: string | undefined): [number, number, number, number] | null {
  if (value === undefined) return null;
  const parts = value
    .trim()
    .split(/[\s,]+/)
    .map(Number);
  if (parts.length !== 4 || !parts.every(Number.isFinite) || parts[2] <= 0 || parts[3] <= 0) return null;
  return [parts[0], parts[1], parts[2], parts[3]];
}

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttribute = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
const shorten = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}...` : s);

// ---------------------------------------------------------------------------------------------
// The sanitiser

/**
 * Rebuilds an SVG from its allowed parts. Throws SvgRejected when the text is not well-formed
 * XML, has a DOCTYPE or ENTITY declaration, its root is not `<svg>` in the SVG namespace, or the
 * root has no usable viewBox.
 */
export function sanitiseSvg(text: string): SanitisedSvg {
  const tokens = tokenize(text);
  const removedCount = new Map<string, number>();
  const remove = (what: string) => removedCount.set(what, (removedCount.get(what) ?? 0) + 1);
  const needsXlink = tokens.some((t) => t.kind === 'open' && t.attributes.some((a) => a.name.startsWith('xlink:')));

  const out: string[] = [];
  const stack: { name: string; kept: boolean }[] = [];
  let viewBox: SanitisedSvg['viewBox'] | null = null;
  let rootDone = false;
  /** The `<style>` element being read: its text is checked as a whole when it closes. */
  let style: { open: string; css: string; problem: string | null } | null = null;

  const keptAttributes = (element: string, attributes: XmlAttribute[], isRoot: boolean): string => {
    let result = '';
    const declaresXlink = (a: XmlAttribute) => a.name === 'xmlns:xlink' && a.value === XLINK_NAMESPACE;
    if (isRoot) {
      // The namespaces are always declared on the root, and only there, whatever the input did.
      result += ` xmlns="${SVG_NAMESPACE}"`;
      if (needsXlink || attributes.some(declaresXlink)) result += ` xmlns:xlink="${XLINK_NAMESPACE}"`;
    }
    for (const attribute of attributes) {
      const { name, value } = attribute;
      let problem: string | null = null;
      if (name === 'xmlns' || declaresXlink(attribute)) {
        // Checked before this point to name the SVG namespace; written on the root above.
        continue;
      } else if (name.startsWith('xmlns:')) {
        problem = `${name} namespace declaration`;
      } else if (/^on/i.test(name)) {
        problem = `${name} attribute on <${element}> (event handler)`;
      } else if (name === 'href' || name === 'xlink:href') {
        if (!value.trim().startsWith('#'))
          problem = `${name}="${shorten(value)}" on <${element}> (only links inside the drawing, "#id", are kept)`;
      } else if (!ATTRIBUTES.has(name) && !DATA_OR_ARIA.test(name)) {
        problem = `${name} attribute on <${element}>`;
      } else {
        // Presentation attributes are CSS values too, so every value gets the style sheet checks.
        const why = cssProblem(value);
        if (why) problem = `${name} attribute on <${element}> (${why})`;
      }
      if (problem) remove(problem);
      else result += ` ${name}="${escapeAttribute(name === 'href' || name === 'xlink:href' ? value.trim() : value)}"`;
    }
    return result;
  };

  for (const token of tokens) {
    switch (token.kind) {
      case 'declaration':
        out.push('<?xml version="1.0" encoding="UTF-8"?>');
        break;
      case 'instruction':
        remove(`<?${token.target}?> processing instruction`);
        break;
      case 'text':
        if (stack.length === 0) {
          if (token.text.trim() !== '')
            throw new SvgRejected(`${position(text, token.offset)}: text outside the root element`);
          out.push(token.text);
        } else if (style) {
          style.css += token.text;
        } else if (stack[stack.length - 1].kept) {
          out.push(escapeText(token.text));
        }
        break;
      case 'open': {
        const isRoot = stack.length === 0;
        if (isRoot) {
          if (rootDone) throw new SvgRejected(`${position(text, token.offset)}: more than one root element`);
          if (token.name !== 'svg') throw new SvgRejected(`the root element is <${token.name}>, not <svg>`);
          const ns = token.attributes.find((a) => a.name === 'xmlns')?.value;
          if (ns !== undefined && ns !== SVG_NAMESPACE)
            throw new SvgRejected(`the root <svg> is in namespace "${ns}", not the SVG namespace ${SVG_NAMESPACE}`);
          viewBox = parseViewBox(token.attributes.find((a) => a.name === 'viewBox')?.value);
          if (!viewBox)
            throw new SvgRejected(
              'the root <svg> needs a viewBox of four numbers with positive width and height, e.g. viewBox="0 0 88 46"',
            );
        }
        if (stack.length >= MAX_DEPTH) throw new SvgRejected(`elements are nested more than ${MAX_DEPTH} deep`);
        const parentKept = isRoot || stack[stack.length - 1].kept;
        let kept = parentKept && !style;
        if (style && parentKept) style.problem = 'markup inside <style>';
        if (kept) {
          const ns = token.attributes.find((a) => a.name === 'xmlns')?.value;
          const problem = token.name.includes(':')
            ? `<${token.name}> element (not SVG)`
            : ns !== undefined && ns !== SVG_NAMESPACE
              ? `<${token.name}> element in namespace ${ns}`
              : !ELEMENTS.has(token.name)
                ? `<${token.name}> element`
                : null;
          if (problem) {
            remove(problem);
            kept = false;
          }
        }
        if (kept) {
          const tag = `<${token.name}${keptAttributes(token.name, token.attributes, isRoot)}`;
          if (token.selfClosing) out.push(`${tag}/>`);
          else if (token.name === 'style') style = { open: `${tag}>`, css: '', problem: null };
          else out.push(`${tag}>`);
        }
        if (token.selfClosing) rootDone ||= isRoot;
        else stack.push({ name: token.name, kept });
        break;
      }
      case 'close': {
        const top = stack.pop();
        if (!top) throw new SvgRejected(`${position(text, token.offset)}: </${token.name}> closes nothing`);
        if (top.name !== token.name)
          throw new SvgRejected(`${position(text, token.offset)}: </${token.name}> does not close <${top.name}>`);
        if (top.kept && top.name === 'style' && style) {
          const problem = style.problem ?? cssProblem(style.css);
          if (problem) remove(`<style> element (${problem})`);
          else out.push(`${style.open}${escapeText(style.css)}</style>`);
          style = null;
        } else if (top.kept) {
          out.push(`</${top.name}>`);
        }
        if (stack.length === 0) rootDone = true;
        break;
      }
    }
  }
  if (stack.length > 0) throw new SvgRejected(`<${stack[stack.length - 1].name}> is never closed`);
  if (!viewBox) throw new SvgRejected('no <svg> element');
  const removed = [...removedCount].map(([what, n]) => (n > 1 ? `${what} (×${n})` : what));
  return { svg: out.join(''), removed, viewBox };
}
