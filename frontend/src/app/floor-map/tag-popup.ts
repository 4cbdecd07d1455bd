import { statusAppearance } from '../shared/asset-status';
import { formatAgo } from '../shared/relative-time';
import type { TagMarker } from './tag-markers';

/**
 * The popup of one tag marker. Built once and then updated in place (text only), so the "last seen"
 * line can tick every second without Leaflet re-laying out (and re-panning to) the popup.
 * Text goes through `textContent`: asset names are typed by people and must never become HTML.
 */
export class TagPopup {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly kind: HTMLElement;
  private readonly zone: HTMLElement;
  private readonly fix: HTMLElement;
  private readonly seen: HTMLElement;
  private readonly tag: HTMLElement;

  constructor(doc: Document) {
    this.element = doc.createElement('div');
    this.element.className = 'wt-tag-popup';
    this.title = this.line(doc, 'strong');
    this.kind = this.line(doc, 'span');
    this.zone = this.line(doc, 'span');
    this.fix = this.line(doc, 'span', 'wt-muted');
    this.seen = this.line(doc, 'span', 'wt-muted');
    this.tag = this.line(doc, 'span', 'wt-muted');
  }

  /** Shows `marker` as of `now` (epoch ms). */
  render(marker: TagMarker, now: number): HTMLElement {
    const status = statusAppearance(marker.status);
    this.title.textContent = marker.label;
    this.kind.textContent = marker.assetType === null ? status.label : `${marker.assetType} · ${status.label}`;
    this.zone.textContent = marker.lost ? `Last seen in ${marker.zoneName} — not heard since` : marker.zoneName;
    this.fix.textContent = `${marker.tech === 'ble' ? 'BLE' : 'RFID'} · ${Math.round(marker.confidence * 100)}% confidence`;
    this.seen.textContent = `last seen ${formatAgo(marker.lastSeenAt, now)}`;
    this.tag.textContent = `Tag ${marker.tagId}`;
    return this.element;
  }

  private line(doc: Document, tagName: string, className?: string): HTMLElement {
    const element = doc.createElement(tagName);
    if (className !== undefined) {
      element.className = className;
    }
    this.element.appendChild(element);
    return element;
  }
}
