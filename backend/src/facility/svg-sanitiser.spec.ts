import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sanitiseSvg, SvgRejected } from './svg-sanitiser';

const DEMO = resolve(__dirname, '../../../floorplans/demo-hospital');
const svg = (body: string, rootAttributes = '') =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"${rootAttributes}>${body}</svg>`;

describe(sanitiseSvg.name, () => {
  it.each(['L0.svg', 'L1.svg', 'L2.svg'])('keeps the demo drawing %s byte for byte, removing nothing', (file) => {
    const text = readFileSync(resolve(DEMO, file), 'utf8');
    const sut = sanitiseSvg(text);
    expect(sut.removed).toEqual([]);
    expect(sut.svg).toBe(text);
    expect(sut.viewBox[0]).toBe(0);
  });

  it('removes <script> elements with their content', () => {
    const sut = sanitiseSvg(svg('<rect width="1" height="1"/><script>alert(document.cookie)</script>'));
    expect(sut.svg).toBe(svg('<rect width="1" height="1"/>'));
    expect(sut.removed).toEqual(['<script> element']);
  });

  it('removes event handler attributes such as onload, in any case, and counts them', () => {
    const sut = sanitiseSvg(
      svg('<g onClick="x()"><rect onmouseover="y()" width="2"/><rect ONMOUSEOVER="y()"/></g>', ' onload="z()"'),
    );
    expect(sut.svg).not.toMatch(/on\w+=/i);
    expect(sut.svg).toContain('<rect width="2"/>');
    expect(sut.removed).toEqual([
      'onload attribute on <svg> (event handler)',
      'onClick attribute on <g> (event handler)',
      'onmouseover attribute on <rect> (event handler)',
      'ONMOUSEOVER attribute on <rect> (event handler)',
    ]);
  });

  it('removes javascript: links, also when hidden behind character references, and the <a> element', () => {
    const sut = sanitiseSvg(
      svg(
        '<use href="javascript:alert(1)"/><use href="java&#115;cript&#x3A;alert(1)"/><a href="javascript:x"><text>t</text></a>',
      ),
    );
    expect(sut.svg).toBe(svg('<use/><use/>'));
    expect(sut.removed).toEqual([
      'href="javascript:alert(1)" on <use> (only links inside the drawing, "#id", are kept) (×2)',
      '<a> element',
    ]);
  });

  it('keeps links inside the drawing and removes external xlink:href', () => {
    const sut = sanitiseSvg(
      svg(
        '<defs><path id="p" d="M0 0h1"/></defs><use xlink:href="#p"/><use xlink:href="http://evil.example/x.svg#p"/>',
        ' xmlns:xlink="http://www.w3.org/1999/xlink"',
      ),
    );
    expect(sut.svg).toContain('<use xlink:href="#p"/>');
    expect(sut.svg).not.toContain('evil.example');
    expect(sut.svg).toMatch(
      /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" xmlns:xlink="http:\/\/www.w3.org\/1999\/xlink"/,
    );
    expect(sut.removed).toEqual([
      'xlink:href="http://evil.example/x.svg#p" on <use> (only links inside the drawing, "#id", are kept)',
    ]);
  });

  it('declares xlink on the root when the drawing uses it without declaring it there', () => {
    const sut = sanitiseSvg(svg('<g xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="#a"/></g>'));
    expect(sut.svg).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 40 20"><g><use xlink:href="#a"/></g></svg>',
    );
  });

  it('removes foreignObject with the HTML inside it, and elements of other namespaces', () => {
    const sut = sanitiseSvg(
      svg(
        '<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/></div></foreignObject>' +
          '<g xmlns="http://www.w3.org/1999/xhtml"><script>alert(2)</script></g><sodipodi:namedview/>',
      ),
    );
    expect(sut.svg).toBe(svg(''));
    expect(sut.removed).toEqual([
      '<foreignObject> element',
      '<g> element in namespace http://www.w3.org/1999/xhtml',
      '<sodipodi:namedview> element (not SVG)',
    ]);
  });

  it('removes animation elements that could rewrite a link', () => {
    const sut = sanitiseSvg(svg('<rect><set attributeName="href" to="javascript:alert(1)"/></rect>'));
    expect(sut.svg).toBe(svg('<rect></rect>'));
    expect(sut.removed).toEqual(['<set> element']);
  });

  it('removes external url() from fill, stroke and style but keeps references to gradients', () => {
    const sut = sanitiseSvg(
      svg(
        '<rect fill="url(#grad)" stroke="url(https://evil.example/p.svg#x)"/>' +
          '<rect style="fill: url( \'#grad\' ); stroke: red"/><rect style="background: url(//evil.example/t.png)"/>' +
          '<rect style="width: expression(alert(1))"/><rect style="fill: u\\rl(http://evil.example)"/>',
      ),
    );
    expect(sut.svg).toBe(
      svg('<rect fill="url(#grad)"/><rect style="fill: url( \'#grad\' ); stroke: red"/><rect/><rect/><rect/>'),
    );
    expect(sut.removed).toEqual([
      'stroke attribute on <rect> (external url())',
      'style attribute on <rect> (external url())',
      'style attribute on <rect> (expression())',
      'style attribute on <rect> (CSS escapes)',
    ]);
  });

  it('removes <style> elements with @import or external urls, keeps plain ones', () => {
    const sut = sanitiseSvg(
      svg(
        '<style>@import url(https://evil.example/x.css);</style>' +
          '<style>.a { fill: url(https://evil.example/x.png) }</style>' +
          '<style type="text/css"><![CDATA[.wall > path { stroke: #333 }]]></style>',
      ),
    );
    expect(sut.svg).toBe(svg('<style type="text/css">.wall &gt; path { stroke: #333 }</style>'));
    expect(sut.removed).toEqual(['<style> element (@import)', '<style> element (external url())']);
  });

  it('removes processing instructions such as xml-stylesheet, and comments', () => {
    const sut = sanitiseSvg(`<?xml-stylesheet href="https://evil.example/x.css"?><!-- drawn by hand -->${svg('')}`);
    expect(sut.svg).toBe(svg(''));
    expect(sut.removed).toEqual(['<?xml-stylesheet?> processing instruction']);
  });

  it.each([
    ['a DOCTYPE', `<!DOCTYPE svg [<!ENTITY x "y">]>${svg('&x;')}`, /<!DOCTYPE> declarations are refused/],
    ['an external entity (XXE)', `<!DOCTYPE svg SYSTEM "file:///etc/passwd">${svg('')}`, /DOCTYPE/],
    ['an ENTITY declaration', `<!ENTITY lol "lol">${svg('')}`, /<!ENTITY> declarations are refused/],
    ['an undefined entity', svg('<text>&lol9;</text>'), /undefined entity &lol9;/],
    ['a bare ampersand', svg('<text>R&D</text>'), /"&" must start a reference/],
    ['a mismatched tag', svg('<g><rect></g>'), /<\/g> does not close <rect>/],
    ['an unclosed element', '<svg viewBox="0 0 1 1"><g>', /<g> is never closed/],
    ['a duplicate attribute', svg('<rect x="1" x="2"/>'), /attribute x appears twice/],
    ['an unquoted attribute', svg('<rect x=1/>'), /must be quoted/],
    ['two root elements', `${svg('')}<svg viewBox="0 0 1 1"/>`, /more than one root/],
    ['text after the root', `${svg('')} hello`, /text outside the root/],
    ['another root element', '<html><body/></html>', /root element is <html>, not <svg>/],
    [
      'a root in another namespace',
      '<svg xmlns="http://www.w3.org/1999/xhtml" viewBox="0 0 1 1"/>',
      /not the SVG namespace/,
    ],
    ['no viewBox', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', /needs a viewBox/],
    ['a viewBox without area', '<svg viewBox="0 0 0 10"/>', /needs a viewBox/],
    ['another encoding', `<?xml version="1.0" encoding="ISO-8859-1"?>${svg('')}`, /save the drawing as UTF-8/],
    ['a control character', svg('<text>\u0001</text>'), /control characters/],
    ['deep nesting', svg('<g>'.repeat(300) + '</g>'.repeat(300)), /nested more than 256 deep/],
  ])('refuses %s', (_label, input, message) => {
    expect(() => sanitiseSvg(input)).toThrow(SvgRejected);
    expect(() => sanitiseSvg(input)).toThrow(message);
  });

  it('says where the input stops being well-formed', () => {
    expect(() => sanitiseSvg(`<svg viewBox="0 0 1 1">\n  <rect x="1"\n  <g/></svg>`)).toThrow(
      /^line 3, column 3: malformed attribute in <rect/,
    );
  });

  it('decodes references and re-escapes what it writes', () => {
    const sut = sanitiseSvg(
      svg(`<text font-family='"Open Sans", sans-serif' data-room="R&amp;D">1 &lt; 2 &amp;&#32;3 &#x2264; 4</text>`),
    );
    expect(sut.svg).toBe(
      svg('<text font-family="&quot;Open Sans&quot;, sans-serif" data-room="R&amp;D">1 &lt; 2 &amp; 3 ≤ 4</text>'),
    );
  });

  it('gives its output back unchanged when sanitised again', () => {
    const first = sanitiseSvg(
      svg('<script/><g onload="x" fill="url(#a)"><text xml:space="preserve">a&amp;b</text></g>', ' width="800"'),
    );
    const second = sanitiseSvg(first.svg);
    expect(second.svg).toBe(first.svg);
    expect(second.removed).toEqual([]);
  });

  it('reports the viewBox', () => {
    expect(sanitiseSvg('<svg viewBox="-1,2 30.5 20"/>').viewBox).toEqual([-1, 2, 30.5, 20]);
  });
});
