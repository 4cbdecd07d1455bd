/**
 * The demo's moving equipment, pure: which tag is under which reader antenna, and when it
 * moves next. The simulator turns this into reads posted through the real ingest API.
 */

/** A place a tag can be: one antenna of one reader, covering one zone. */
export interface Spot {
  deviceId: string;
  port: number;
  zoneId: string;
  floorId: string;
}

export interface GenericRead {
  tagId: string;
  antenna: number;
  rssi: number;
  seenAt: string;
}

/** Uniform random in [0, 1); injected so tests are repeatable. */
export type Random = () => number;

interface Placement {
  spot: Spot;
  movesAt: number;
}

const MIN_DWELL_MS = 20_000;
const MAX_DWELL_MS = 120_000;
const SAME_FLOOR_MOVE = 0.85;

export class DemoWorld {
  private readonly placements = new Map<string, Placement>();

  constructor(
    private readonly spots: readonly Spot[],
    tagIds: readonly string[],
    private readonly random: Random,
    now: number,
  ) {
    if (spots.length === 0) return;
    for (const tagId of tagIds) {
      this.placements.set(tagId, { spot: this.pick(spots), movesAt: now + this.dwell() });
    }
  }

  /** Where a tag is now (for tests and logs). */
  spotOf(tagId: string): Spot | undefined {
    return this.placements.get(tagId)?.spot;
  }

  /** Moves the tags whose dwell is over; returns how many moved. */
  advance(now: number): number {
    let moved = 0;
    for (const placement of this.placements.values()) {
      if (placement.movesAt > now) continue;
      const sameFloor = this.spots.filter(
        (s) => s.floorId === placement.spot.floorId && s.zoneId !== placement.spot.zoneId,
      );
      const anywhere = this.spots.filter((s) => s.zoneId !== placement.spot.zoneId);
      const choices = this.random() < SAME_FLOOR_MOVE && sameFloor.length > 0 ? sameFloor : anywhere;
      if (choices.length > 0) {
        placement.spot = this.pick(choices);
        moved++;
      }
      placement.movesAt = now + this.dwell();
    }
    return moved;
  }

  /** This second's reads, per reader: each tag heard strongly by its antenna, sometimes faintly by a neighbour. */
  readsByDevice(now: number): Map<string, GenericRead[]> {
    const byDevice = new Map<string, GenericRead[]>();
    const seenAt = new Date(now).toISOString();
    for (const [tagId, { spot }] of this.placements) {
      const reads = byDevice.get(spot.deviceId) ?? [];
      reads.push({ tagId, antenna: spot.port, rssi: round(-48 - this.random() * 14), seenAt });
      const neighbour = this.spots.find((s) => s.deviceId === spot.deviceId && s.port !== spot.port);
      if (neighbour && this.random() < 0.3) {
        reads.push({ tagId, antenna: neighbour.port, rssi: round(-72 - this.random() * 8), seenAt });
      }
      byDevice.set(spot.deviceId, reads);
    }
    return byDevice;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length) % items.length];
  }

  private dwell(): number {
    return MIN_DWELL_MS + this.random() * (MAX_DWELL_MS - MIN_DWELL_MS);
  }
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
