import { shortestRoute } from '@backend/facility/walking-graph';
import { distanceToOutline, insidePolygon, pathLength, wallCrossings, type Xy } from './geometry';
import { type Hospital, type SimZone, zoneAt } from './hospital';
import type { Random } from './random';

/**
 * How staff move equipment: a tag dwells at a spot in a room, bay or store, then someone walks
 * it along the shortest walking route (doors, corridors, stairs, lifts) to a spot in another
 * zone, at a walking pace of about 1.2 m/s, and it dwells there. Every tag has its own random
 * stream, so its itinerary does not depend on which other tags exist or who asks about it.
 */

/** Where a tag truly is. */
export interface TruthFix {
  floorId: string;
  zoneId: string;
  x: number;
  y: number;
  /** Being walked (or riding a lift / climbing stairs) rather than standing still. */
  moving: boolean;
}

/** One piece of an itinerary: standing still (x0 = x1) or walking a straight line in one zone. */
export interface Stage {
  t0: number;
  t1: number;
  floorId: string;
  zoneId: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  moving: boolean;
}

export interface MovementOptions {
  /** Dwell at each spot, uniform in [min, max] ms. */
  dwellMs: readonly [number, number];
  /** Walking speed, uniform per trip in [min, max] m/s. */
  walkSpeed: readonly [number, number];
  /** Share of trips that stay on the tag's floor (when a destination there exists). */
  sameFloorShare: number;
}

export const DEFAULT_MOVEMENT: MovementOptions = {
  dwellMs: [60_000, 600_000],
  walkSpeed: [1.0, 1.4],
  sameFloorShare: 0.8,
};

/** Where equipment is left, and how often (relative weights per zone kind). */
export const DESTINATION_WEIGHTS: Readonly<Record<string, number>> = {
  room: 1,
  bay: 1,
  equipment_store: 3,
  clean_utility: 2,
  soiled_utility: 2,
  nurse_station: 1,
  biomed_workshop: 1,
  central_supply: 1,
  supply_room: 0.5,
  corridor: 0.5,
  loading_dock: 0.3,
};

const SPOT_MARGIN_M = 0.5;
const MIN_TRANSIT_MS = 8_000;

export class Itinerary {
  private readonly stages: Stage[] = [];

  constructor(
    private readonly hospital: Hospital,
    /** Zones this tag may be left in, with their weights. */
    private readonly destinations: readonly { zone: SimZone; weight: number }[],
    private readonly random: Random,
    private readonly options: MovementOptions,
    start: number,
  ) {
    if (destinations.length === 0) throw new RangeError('a tag needs at least one zone to be in');
    const zone = this.choose(destinations);
    const [x, y] = this.spotIn(zone);
    // The first dwell is cut at a random point so the tags do not all leave together.
    this.push({ t0: start, t1: start + this.random.between(0, options.dwellMs[1]), zone, x, y });
  }

  /** Where the tag is at time t (never before the start). */
  at(t: number): TruthFix {
    this.extendTo(t);
    const s = this.stageAt(t);
    const f = s.t1 > s.t0 ? Math.min(1, Math.max(0, (t - s.t0) / (s.t1 - s.t0))) : 0;
    return {
      floorId: s.floorId,
      zoneId: s.zoneId,
      x: s.x0 + (s.x1 - s.x0) * f,
      y: s.y0 + (s.y1 - s.y0) * f,
      moving: s.moving,
    };
  }

  /** The stage in progress at time t. */
  stageAt(t: number): Stage {
    this.extendTo(t);
    let lo = 0;
    let hi = this.stages.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.stages[mid].t0 <= t) lo = mid;
      else hi = mid - 1;
    }
    return this.stages[lo];
  }

  /** Every stage up to time t (for tests and the benchmark). */
  stagesUntil(t: number): readonly Stage[] {
    this.extendTo(t);
    return this.stages.filter((s) => s.t0 <= t);
  }

  private extendTo(t: number): void {
    while (this.stages[this.stages.length - 1].t1 <= t) this.trip();
  }

  /** Walks the tag from its last spot to a new one and leaves it there. */
  private trip(): void {
    const last = this.stages[this.stages.length - 1];
    const here = this.hospital.zoneById.get(last.zoneId)!;
    const others = this.destinations.filter((d) => d.zone.id !== here.id);
    const sameFloor = others.filter((d) => d.zone.floorId === here.floorId);
    const pool =
      sameFloor.length > 0 && (this.random.next() < this.options.sameFloorShare || sameFloor.length === others.length)
        ? sameFloor
        : others;
    const target = pool.length > 0 ? this.choose(pool) : null;
    const spot = target ? this.spotIn(target) : null;
    const route =
      target && spot
        ? shortestRoute(
            this.hospital.graph,
            { zoneId: here.id, x: last.x1, y: last.y1 },
            { zoneId: target.id, x: spot[0], y: spot[1] },
          )
        : null;
    if (!target || !spot || !route) {
      // Nowhere to go: it stays put for another dwell.
      this.push({ t0: last.t1, t1: last.t1 + this.dwell(), zone: here, x: last.x1, y: last.y1 });
      return;
    }
    const speed = this.random.between(this.options.walkSpeed[0], this.options.walkSpeed[1]);
    const walked = route.legs.reduce((sum, leg) => sum + pathLength(leg.points), 0);
    const transits = route.legs.length - 1;
    // What the route charges beyond walking is the lift wait or the stair climb.
    const transitMs =
      transits > 0 ? Math.max(MIN_TRANSIT_MS, ((route.distanceM - walked) / transits / speed) * 1000) : 0;
    let t = last.t1;
    const walk = (floorId: string, a: Xy, b: Xy, zone?: SimZone) => {
      const d = Math.hypot(b[0] - a[0], b[1] - a[1]);
      if (d < 1e-6) return;
      // A straight line between two doors can leave a zone that is not convex: split it where it
      // crosses a wall, so the truth always names the zone the tag is really in.
      const cuts = zone ? [0, 1] : this.cutsAlong(floorId, a, b);
      for (let k = 1; k < cuts.length; k++) {
        const p0: Xy = [a[0] + (b[0] - a[0]) * cuts[k - 1], a[1] + (b[1] - a[1]) * cuts[k - 1]];
        const p1: Xy = [a[0] + (b[0] - a[0]) * cuts[k], a[1] + (b[1] - a[1]) * cuts[k]];
        const z = zone ?? zoneAt(this.hospital, floorId, [(p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2]);
        const t1 = t + ((d * (cuts[k] - cuts[k - 1])) / speed) * 1000;
        this.stages.push({
          t0: t,
          t1,
          floorId,
          zoneId: z.id,
          x0: p0[0],
          y0: p0[1],
          x1: p1[0],
          y1: p1[1],
          moving: true,
        });
        t = t1;
      }
    };
    // Half the ride or climb is spent in the car or stairwell of each floor.
    const ride = (floorId: string, link: SimZone) => {
      const [x, y] = link.centroid;
      this.stages.push({
        t0: t,
        t1: t + transitMs / 2,
        floorId,
        zoneId: link.id,
        x0: x,
        y0: y,
        x1: x,
        y1: y,
        moving: true,
      });
      t += transitMs / 2;
    };
    route.legs.forEach((leg, i) => {
      const points = leg.points;
      if (i > 0) {
        // Arrive on this floor in the lift car or stairwell, then walk out of it.
        const link = this.linkZoneNear(leg.floorId, points[0]);
        ride(leg.floorId, link);
        walk(leg.floorId, link.centroid, points[0], link);
      }
      for (let k = 1; k < points.length; k++) walk(leg.floorId, points[k - 1], points[k]);
      if (i < route.legs.length - 1) {
        const link = this.linkZoneNear(leg.floorId, points[points.length - 1]);
        walk(leg.floorId, points[points.length - 1], link.centroid, link);
        ride(leg.floorId, link);
      }
    });
    this.push({ t0: t, t1: t + this.dwell(), zone: target, x: spot[0], y: spot[1] });
  }

  private push(d: { t0: number; t1: number; zone: SimZone; x: number; y: number }): void {
    this.stages.push({
      t0: d.t0,
      t1: d.t1,
      floorId: d.zone.floorId,
      zoneId: d.zone.id,
      x0: d.x,
      y0: d.y,
      x1: d.x,
      y1: d.y,
      moving: false,
    });
  }

  private dwell(): number {
    return this.random.between(this.options.dwellMs[0], this.options.dwellMs[1]);
  }

  private choose(pool: readonly { zone: SimZone; weight: number }[]): SimZone {
    const total = pool.reduce((s, d) => s + d.weight, 0);
    let r = this.random.next() * total;
    for (const d of pool) {
      r -= d.weight;
      if (r < 0) return d.zone;
    }
    return pool[pool.length - 1].zone;
  }

  /** A random spot inside the zone, clear of its walls. */
  private spotIn(zone: SimZone): Xy {
    const { minX, minY, maxX, maxY } = zone.box;
    for (let i = 0; i < 50; i++) {
      const p: Xy = [round2(this.random.between(minX, maxX)), round2(this.random.between(minY, maxY))];
      if (insidePolygon(p, zone.polygon) && distanceToOutline(p, zone.polygon) >= SPOT_MARGIN_M) return p;
    }
    return zone.centroid;
  }

  /** 0, the fractions along a-b where it crosses a wall of the floor, and 1. */
  private cutsAlong(floorId: string, a: Xy, b: Xy): number[] {
    const cuts = [0, ...wallCrossings(this.hospital.walls.get(floorId)!, a, b), 1];
    return cuts.filter((c, i) => i === 0 || c - cuts[i - 1] > 1e-6);
  }

  /** The stair or lift zone whose door a route uses at this point. */
  private linkZoneNear(floorId: string, p: Xy): SimZone {
    let best: SimZone | undefined;
    let bestD = Infinity;
    for (const id of this.hospital.linkZones) {
      const z = this.hospital.zoneById.get(id);
      if (!z || z.floorId !== floorId) continue;
      const d = distanceToOutline(p, z.polygon);
      if (d < bestD) {
        bestD = d;
        best = z;
      }
    }
    if (!best) throw new RangeError(`no stairs or lift on floor ${floorId}`);
    return best;
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
