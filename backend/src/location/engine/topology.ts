import { insidePolygon, nearestOnBoundary, polygonArea } from './geometry';
import type { EngineTopology } from './engine.types';

/** Zone kinds where supplies are stocked: a supply unit read there belongs to the stock engine. */
export const STOCK_ZONE_KINDS: ReadonlySet<string> = new Set([
  'cabinet',
  'supply_room',
  'central_supply',
  'clean_utility',
]);

/**
 * Zone kinds too small for BLE to tell apart from the room around them: a BLE estimate is never
 * placed in one (RFID antennas still cover them).
 */
const NOT_BLE_ZONE_KINDS: ReadonlySet<string> = new Set(['cabinet']);

export const SIDE_NONE = 0;
export const SIDE_INSIDE = 1;
export const SIDE_OUTSIDE = 2;

export interface CompiledZone {
  index: number;
  id: string;
  floor: number;
  kind: string;
  /** Supplies are stocked here. */
  stock: boolean;
  xs: Float64Array;
  ys: Float64Array;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  area: number;
  cx: number;
  cy: number;
}

/** Where a BLE estimate lands: the zone, the point placed inside it and how deep inside it is. */
export interface Placement {
  zone: number;
  x: number;
  y: number;
  /** Metres from the point to the zone's boundary; 0 when the estimate fell outside every zone and was snapped. */
  depth: number;
}

/**
 * The facility indexed for the hot path: every antenna port and gateway becomes a small integer
 * "source", zones and floors too, so per-tag state holds numbers, not strings.
 */
export class CompiledTopology {
  readonly floorIds: string[] = [];
  readonly floorLevels: number[] = [];
  readonly floorIndex = new Map<string, number>();
  readonly zones: CompiledZone[] = [];
  readonly zoneIndex = new Map<string, number>();
  /** BLE-eligible zones per floor, smallest first (the most specific zone containing a point wins). */
  readonly bleZonesOnFloor: number[][] = [];
  /** Per source: 1 for a BLE gateway, 0 for an RFID antenna. */
  readonly srcIsGateway: Uint8Array;
  /** Antenna: its zone; gateway: -1. */
  readonly srcZone: Int32Array;
  readonly srcSide: Uint8Array;
  readonly srcFloor: Int32Array;
  readonly srcX: Float64Array;
  readonly srcY: Float64Array;
  /** Stable key per source ("a <device> <port>" / "g <device>") to carry state across topology changes. */
  readonly srcKey: string[] = [];
  /** Per source: its device (reader or gateway), an index into deviceIds. */
  readonly srcDevice: Int32Array;
  readonly deviceIds: string[] = [];
  readonly deviceIndex = new Map<string, number>();
  readonly sourceCount: number;
  private readonly antennaPorts = new Map<string, Int32Array>();
  private readonly gatewayIndex = new Map<string, number>();
  private readonly nearest = new Float64Array(3);

  constructor(topology: EngineTopology) {
    for (const f of topology.floors) {
      this.floorIndex.set(f.id, this.floorIds.length);
      this.floorIds.push(f.id);
      this.floorLevels.push(f.level);
      this.bleZonesOnFloor.push([]);
    }
    for (const z of topology.zones) {
      const floor = this.floorOf(z.floorId);
      const xs = Float64Array.from(z.polygon, (p) => p[0]);
      const ys = Float64Array.from(z.polygon, (p) => p[1]);
      const zone: CompiledZone = {
        index: this.zones.length,
        id: z.id,
        floor,
        kind: z.kind,
        stock: STOCK_ZONE_KINDS.has(z.kind),
        xs,
        ys,
        minX: Math.min(...xs),
        minY: Math.min(...ys),
        maxX: Math.max(...xs),
        maxY: Math.max(...ys),
        area: xs.length >= 3 ? polygonArea(xs, ys) : 0,
        cx: z.centroid[0],
        cy: z.centroid[1],
      };
      this.zoneIndex.set(z.id, zone.index);
      this.zones.push(zone);
      if (xs.length >= 3 && !NOT_BLE_ZONE_KINDS.has(z.kind)) this.bleZonesOnFloor[floor].push(zone.index);
    }
    for (const list of this.bleZonesOnFloor) list.sort((a, b) => this.zones[a].area - this.zones[b].area);

    const antennas = topology.antennas.filter((a) => this.zoneIndex.has(a.zoneId) && a.port >= 0);
    const gateways = topology.gateways.filter((g) => this.floorIndex.has(g.floorId));
    this.sourceCount = antennas.length + gateways.length;
    const n = this.sourceCount;
    this.srcIsGateway = new Uint8Array(n);
    this.srcZone = new Int32Array(n);
    this.srcSide = new Uint8Array(n);
    this.srcFloor = new Int32Array(n);
    this.srcX = new Float64Array(n);
    this.srcY = new Float64Array(n);
    this.srcDevice = new Int32Array(n);
    const deviceOf = (id: string): number => {
      let d = this.deviceIndex.get(id);
      if (d === undefined) {
        d = this.deviceIds.length;
        this.deviceIndex.set(id, d);
        this.deviceIds.push(id);
      }
      return d;
    };
    let s = 0;
    for (const a of antennas) {
      const zone = this.zones[this.zoneIndex.get(a.zoneId)!];
      let ports = this.antennaPorts.get(a.deviceId);
      if (!ports || ports.length <= a.port) {
        const grown = new Int32Array(Math.max(a.port + 1, 5)).fill(-1);
        if (ports) grown.set(ports);
        ports = grown;
        this.antennaPorts.set(a.deviceId, ports);
      }
      ports[a.port] = s;
      this.srcZone[s] = zone.index;
      this.srcSide[s] = a.side === 'inside' ? SIDE_INSIDE : a.side === 'outside' ? SIDE_OUTSIDE : SIDE_NONE;
      this.srcFloor[s] = zone.floor;
      this.srcX[s] = zone.cx;
      this.srcY[s] = zone.cy;
      this.srcKey.push(`a ${a.deviceId} ${a.port}`);
      this.srcDevice[s] = deviceOf(a.deviceId);
      s++;
    }
    for (const g of gateways) {
      this.gatewayIndex.set(g.deviceId, s);
      this.srcIsGateway[s] = 1;
      this.srcZone[s] = -1;
      this.srcFloor[s] = this.floorIndex.get(g.floorId)!;
      this.srcX[s] = g.x;
      this.srcY[s] = g.y;
      this.srcKey.push(`g ${g.deviceId}`);
      this.srcDevice[s] = deviceOf(g.deviceId);
      s++;
    }
  }

  /** The source that made a read, or -1 when the device or port is not placed. */
  sourceOf(tech: 'rfid' | 'ble', deviceId: string, antenna: number | null): number {
    if (tech === 'ble') return this.gatewayIndex.get(deviceId) ?? -1;
    if (antenna === null) return -1;
    const ports = this.antennaPorts.get(deviceId);
    if (ports === undefined || antenna < 0 || antenna >= ports.length) return -1;
    return ports[antenna];
  }

  /**
   * Places a BLE estimate: the smallest zone of the floor containing the point, else the zone
   * whose boundary is nearest (the point moved just inside it). Null when the floor has no zones.
   */
  place(floor: number, x: number, y: number, out: Placement): boolean {
    const list = this.bleZonesOnFloor[floor];
    if (list === undefined || list.length === 0) return false;
    const near = this.nearest;
    for (const zi of list) {
      const z = this.zones[zi];
      if (x < z.minX || x > z.maxX || y < z.minY || y > z.maxY) continue;
      if (!insidePolygon(z.xs, z.ys, x, y)) continue;
      nearestOnBoundary(z.xs, z.ys, x, y, near);
      out.zone = zi;
      out.x = x;
      out.y = y;
      out.depth = near[2];
      return true;
    }
    let best = Infinity;
    for (const zi of list) {
      const z = this.zones[zi];
      // A bounding-box distance bounds the boundary distance from below: skip far zones cheaply.
      const bx = x < z.minX ? z.minX - x : x > z.maxX ? x - z.maxX : 0;
      const by = y < z.minY ? z.minY - y : y > z.maxY ? y - z.maxY : 0;
      if (bx * bx + by * by >= best * best) continue;
      nearestOnBoundary(z.xs, z.ys, x, y, near);
      if (near[2] < best) {
        best = near[2];
        out.zone = zi;
        out.x = near[0];
        out.y = near[1];
      }
    }
    this.nudgeInside(this.zones[out.zone], out);
    out.depth = 0;
    return true;
  }

  /** Moves (x, y) into the given zone: unchanged when already inside, else its nearest boundary point nudged inwards. */
  clampInto(zone: number, x: number, y: number, out: Placement): void {
    const z = this.zones[zone];
    out.zone = zone;
    if (z.xs.length < 3) {
      out.x = z.cx;
      out.y = z.cy;
      out.depth = 0;
      return;
    }
    nearestOnBoundary(z.xs, z.ys, x, y, this.nearest);
    if (insidePolygon(z.xs, z.ys, x, y)) {
      out.x = x;
      out.y = y;
      out.depth = this.nearest[2];
      return;
    }
    out.x = this.nearest[0];
    out.y = this.nearest[1];
    out.depth = 0;
    this.nudgeInside(z, out);
  }

  /** Moves a boundary point 10 cm towards the zone's anchor, when that lands inside, so markers sit in the room. */
  private nudgeInside(z: CompiledZone, out: Placement): void {
    const dx = z.cx - out.x;
    const dy = z.cy - out.y;
    const len = Math.hypot(dx, dy);
    if (len <= 0.1) return;
    const nx = out.x + (dx / len) * 0.1;
    const ny = out.y + (dy / len) * 0.1;
    if (insidePolygon(z.xs, z.ys, nx, ny)) {
      out.x = nx;
      out.y = ny;
    }
  }

  private floorOf(floorId: string): number {
    let f = this.floorIndex.get(floorId);
    if (f === undefined) {
      // A zone on a floor the topology does not list: give the floor an index of its own.
      f = this.floorIds.length;
      this.floorIndex.set(floorId, f);
      this.floorIds.push(floorId);
      this.floorLevels.push(0);
      this.bleZonesOnFloor.push([]);
    }
    return f;
  }
}
