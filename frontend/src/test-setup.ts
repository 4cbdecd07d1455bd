import { setupZonelessTestEnv } from 'jest-preset-angular/setup-env/zoneless';

setupZonelessTestEnv();

// jsdom lacks the bits of SVG and Blob URL support Leaflet relies on. Leaflet decides between its SVG
// and canvas renderers when first imported by checking for createSVGRect, so this must run before
// any spec imports 'leaflet'.
Object.defineProperty(window.SVGSVGElement.prototype, 'createSVGRect', {
  configurable: true,
  value: () => ({ x: 0, y: 0, width: 0, height: 0 }),
});
if (URL.createObjectURL === undefined) {
  let next = 0;
  URL.createObjectURL = () => `blob:wardtrack-test/${++next}`;
  URL.revokeObjectURL = () => undefined;
}
