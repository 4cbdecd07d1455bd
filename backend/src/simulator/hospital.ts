import { buildWalkingGraph, type WalkingGraph } from '@backend/facility/walking-graph';
import type { SitePlan } from '@backend/facility/site-plan';
import {
  boundsOf,
  type Box,
  centroidOf,
  distanceToOutline,
  distanceToPolygon,
  insidePolygon,
  type Xy,
} from './geometry';

/**
 * The simulated hospital: the demo site plan read into what the simulator needs (zones, walls,
 * gateways, antennas, the walking graph). Ids are the plan's codes: zone codes for zones, floor
 * codes for floors, device codes for devices.
 */

export interface SimFloor {
  id: string;
  level: number;
  widthM: number;
  heightM: number;
}

export interface SimZone {
  id: string;
  floorId: string;
  kind: string;
  polygon: readonly Xy[];
  centroid: Xy;
  box: Box;
}

export interface SimGateway {
  deviceId: string;
  floorId: string;
  level: number;
  x: number;
  y: number;
}

export interface SimAntenna {
  deviceId: string;
  port: number;
  zoneId: string;
  floorId: string;
  side: 'inside' | 'outside' | null;
}

/** A doorway portal: the zone its antenna pair covers and a reference point on each side. */
export interface SimPortal {
  zoneId: string;
  inside: Xy;
  outside: Xy;
}

export interface Hospital {
  floors: readonly SimFloor[];
  zones: readonly SimZone[];
  zoneById: ReadonlyMap<string, SimZone>;
  gateways: readonly SimGateway[];
  antennas: readonly SimAntenna[];
  antennasByZone: ReadonlyMap<string, readonly SimAntenna[]>;
  portals: ReadonlyMap<string, SimPortal>;
  /** Zones of the same floor whose outlines touch (walls shared, or a door between them). */
  neighbours: ReadonlyMap<string, readonly string[]>;
  /** Every zone edge of a floor, flattened x1, y1, x2, y2 (shared walls appear once per zone). */
  walls: ReadonlyMap<string, Float64Array>;
  /** Stair and lift zones. */
  linkZones: ReadonlySet<string>;
  graph: WalkingGraph;
}

/** Zone kinds beyond a portal: what lies on its outside. */
const OUTSIDE_KINDS = new Set(['exit', 'loading_dock']);
const TOUCH_M = 0.3;

export function hospitalFromSitePlan(plan: SitePlan): Hospital {
  const floors: SimFloor[] = [];
  const zones: SimZone[] = [];
  const openings: { zoneIds: [string, string]; at: [number, number]; kind: 'door' | 'opening' }[] = [];
  for (const building of plan.buildings)
    for (const floor of building.floors) {
      floors.push({ id: floor.code, level: floor.level, widthM: floor.widthM, heightM: floor.heightM });
      for (const z of floor.zones)
        zones.push({
          id: z.code,
          floorId: floor.code,
          kind: z.kind,
          polygon: z.polygon,
          centroid: centroidOf(z.polygon),
          box: boundsOf(z.polygon),
        });
      for (const o of floor.openings ?? [])
        openings.push({ zoneIds: o.between, at: o.at, kind: o.kind === 'opening' ? 'opening' : 'door' });
    }
  const zoneById = new Map(zones.map((z) => [z.id, z]));
  const levelOf = new Map(floors.map((f) => [f.id, f.level]));

  const gateways: SimGateway[] = [];
  const antennas: SimAntenna[] = [];
  for (const d of plan.devices ?? []) {
    if (d.kind === 'ble_gateway')
      gateways.push({ deviceId: d.code, floorId: d.floor, level: levelOf.get(d.floor) ?? 0, x: d.at[0], y: d.at[1] });
    for (const a of d.antennas ?? []) {
      const zone = zoneById.get(a.zone);
      if (zone)
        antennas.push({ deviceId: d.code, port: a.port, zoneId: a.zone, floorId: zone.floorId, side: a.side ?? null });
    }
  }
  const antennasByZone = new Map<string, SimAntenna[]>();
  for (const a of antennas) antennasByZone.set(a.zoneId, [...(antennasByZone.get(a.zoneId) ?? []), a]);

  const portals = new Map<string, SimPortal>();
  for (const [zoneId, list] of antennasByZone) {
    if (!list.some((a) => a.side !== null)) continue;
    const zone = zoneById.get(zoneId)!;
    const doors = openings.filter((o) => o.zoneIds.includes(zoneId));
    const otherKind = (o: (typeof doors)[number]) =>
      zoneById.get(o.zoneIds[0] === zoneId ? o.zoneIds[1] : o.zoneIds[0])?.kind ?? '';
    const insideDoor = doors.find((o) => !OUTSIDE_KINDS.has(otherKind(o)));
    const outsideDoor = doors.find((o) => o !== insideDoor && OUTSIDE_KINDS.has(otherKind(o)));
    const inside = insideDoor?.at ?? zone.centroid;
    // A portal on the building's edge opens onto nothing drawn: its outside mirrors the inside door.
    const outside = outsideDoor?.at ?? ([2 * zone.centroid[0] - inside[0], 2 * zone.centroid[1] - inside[1]] as const);
    portals.set(zoneId, { zoneId, inside, outside });
  }

  const neighbours = new Map<string, string[]>(zones.map((z) => [z.id, []]));
  for (let i = 0; i < zones.length; i++)
    for (let j = i + 1; j < zones.length; j++) {
      const [a, b] = [zones[i], zones[j]];
      if (a.floorId !== b.floorId || !boxesNear(a.box, b.box)) continue;
      const touch =
        a.polygon.some((p) => distanceToOutline(p, b.polygon) < TOUCH_M) ||
        b.polygon.some((p) => distanceToOutline(p, a.polygon) < TOUCH_M);
      if (touch) {
        neighbours.get(a.id)!.push(b.id);
        neighbours.get(b.id)!.push(a.id);
      }
    }

  const walls = new Map<string, Float64Array>();
  for (const floor of floors) {
    const edges: number[] = [];
    for (const z of zones)
      if (z.floorId === floor.id)
        for (let i = 0, j = z.polygon.length - 1; i < z.polygon.length; j = i++)
          edges.push(z.polygon[j][0], z.polygon[j][1], z.polygon[i][0], z.polygon[i][1]);
    walls.set(floor.id, Float64Array.from(edges));
  }

  const linkZones = new Set((plan.verticalLinks ?? []).flatMap((l) => l.zones));
  const graph = buildWalkingGraph({
    floors,
    zones,
    openings,
    verticalLinks: (plan.verticalLinks ?? []).map((l) => ({
      kind: l.kind === 'stairs' ? 'stairs' : 'elevator',
      zoneIds: l.zones,
    })),
  });
  return { floors, zones, zoneById, gateways, antennas, antennasByZone, portals, neighbours, walls, linkZones, graph };
}

/** The zone of a floor containing a point, or the nearest one when the point is on no zone. */
export function zoneAt(hospital: Hospital, floorId: string, p: Xy): SimZone {
  let nearest: SimZone | undefined;
  let best = Infinity;
  for (const z of hospital.zones) {
    if (z.floorId !== floorId) continue;
    if (
      p[0] >= z.box.minX &&
      p[0] <= z.box.maxX &&
      p[1] >= z.box.minY &&
      p[1] <= z.box.maxY &&
      insidePolygon(p, z.polygon)
    )
      return z;
    const d = distanceToPolygon(p, z.polygon);
    if (d < best) {
      best = d;
      nearest = z;
    }
  }
  if (!nearest) throw new RangeError(`floor ${floorId} has no zones`);
  return nearest;
}

/** The zone holding a point, or null when it lies on no zone (a gateway on an outside wall). */
export function zoneContaining(hospital: Hospital, floorId: string, p: Xy): SimZone | null {
  return hospital.zones.find((z) => z.floorId === floorId && insidePolygon(p, z.polygon)) ?? null;
}

/** Which side of a portal a point is on: the side whose reference point is nearer. */
export function portalSide(portal: SimPortal, p: Xy): 'inside' | 'outside' {
  const di = Math.hypot(p[0] - portal.inside[0], p[1] - portal.inside[1]);
  const dout = Math.hypot(p[0] - portal.outside[0], p[1] - portal.outside[1]);
  return di <= dout ? 'inside' : 'outside';
}

function boxesNear(a: Box, b: Box): boolean {
  return (
    a.minX <= b.maxX + TOUCH_M && b.minX <= a.maxX + TOUCH_M && a.minY <= b.maxY + TOUCH_M && b.minY <= a.maxY + TOUCH_M
  );
}
