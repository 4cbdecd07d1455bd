import type { TagFix } from './engine.types';

/*
 * Slots of a tag's decision state (one Float64Array, so snapshots are a typed-array copy).
 * Zones, floors and sources are indexes into the CompiledTopology; -1 means none.
 */
export const ZONE = 0;
export const ZONE_SINCE = 1;
/** The zone challenging the current one, and since when (device time) it leads without a break. */
export const CAND = 2;
export const CAND_SINCE = 3;
export const FLOOR = 4;
export const FLOOR_CAND = 5;
export const FLOOR_CAND_SINCE = 6;
export const X = 7;
export const Y = 8;
export const CONF = 9;
/** Newest read taken into account (device time). */
export const SEEN_AT = 10;
export const TECH = 11;
/** Doorway portal: the portal zone, the side the tag was last on (SIDE_*) and when. */
export const PORTAL_ZONE = 12;
export const PORTAL_SIDE = 13;
export const PORTAL_TIME = 14;
/** The last grid instant evaluated: every decision up to it has been taken. */
export const GRID = 15;
/** Newest BLE read taken into account by the last BLE decision. */
export const BLE_SEEN = 16;
/**
 * BLE track (model positioning): the filtered position (floor metres), its variance per axis
 * (m^2), velocity (m/s) and the instant it was computed; TRACK_AT = -Infinity means no track.
 */
export const TRACK_X = 17;
export const TRACK_Y = 18;
export const TRACK_VAR = 19;
export const TRACK_VX = 20;
export const TRACK_VY = 21;
export const TRACK_AT = 22;
export const D_SIZE = 23;

export const TECH_RFID = 0;
export const TECH_BLE = 1;

/** Snapshots kept for rolling back when a late read lands among instants already decided. */
export const SNAPSHOTS = 6;

export function resetDecision(d: Float64Array, grid: number): void {
  d.fill(-1);
  d[ZONE_SINCE] = 0;
  d[CAND_SINCE] = 0;
  d[FLOOR_CAND_SINCE] = 0;
  d[X] = 0;
  d[Y] = 0;
  d[CONF] = 0;
  d[SEEN_AT] = -Infinity;
  d[TECH] = TECH_RFID;
  d[PORTAL_TIME] = -Infinity;
  d[BLE_SEEN] = -Infinity;
  d[TRACK_AT] = -Infinity;
  d[GRID] = grid;
}

/**
 * Everything the engine remembers about one tag: its recent reads (sorted by their own time,
 * bounded), its decision state with a few snapshots to roll back to, and what it last told the
 * outside world (the emitted fix), which events are computed against.
 */
export class TagState {
  readonly d = new Float64Array(D_SIZE);
  /** Buffered reads, sorted by seenAt, live between head and end. */
  times: Float64Array;
  src: Int32Array;
  rssi: Float32Array;
  head = 0;
  end = 0;
  /** Newest read accepted (device time). */
  newest = -Infinity;
  /** Reads at or before this instant are dropped (forgotten to bound memory, or from before a loss). */
  dropBefore = -Infinity;
  /** Beacon's calibrated power at 1 m from its frames; NaN when it never said. */
  txPower = NaN;

  /** Ring of decision snapshots (SNAPSHOTS x D_SIZE). */
  readonly snaps = new Float64Array(SNAPSHOTS * D_SIZE);
  snapCount = 0;

  /** What was last emitted: zone and floor ids, since when, and whether the tag is lost. */
  emittedZoneId: string | null = null;
  emittedFloorId: string | null = null;
  emittedSince = 0;
  emittedLost = false;
  /** The grid instant of the last emitted change: a replay does not re-emit up to it. */
  emittedGrid = -Infinity;
  crossingGrid = -Infinity;
  /** The fix kept as "last seen at" while lost. */
  lostFix: TagFix | null = null;

  /**
   * The device that held the tag's decisions back when last asked (see LocationEngine.deliveredFor)
   * and how far it had delivered then; -1 when none did. Only a shortcut: never rolled back.
   */
  waitDevice = -1;
  waitUpTo = -Infinity;

  /** Per-batch scratch. */
  batchMark = 0;
  priorNewest = -Infinity;
  batchOldest = Infinity;
  minInserted = Infinity;
  batchCount = 0;

  constructor(
    readonly tagId: string,
    readonly supplyUnit: boolean,
  ) {
    this.times = new Float64Array(8);
    this.src = new Int32Array(8);
    this.rssi = new Float32Array(8);
    resetDecision(this.d, -Infinity);
    this.saveSnapshot();
  }

  get readCount(): number {
    return this.end - this.head;
  }

  /** Keeps a copy of the decision state; when the ring is full the oldest snapshot makes way. */
  saveSnapshot(): void {
    let slot = this.snapCount;
    if (slot === SNAPSHOTS) {
      slot = 0;
      for (let k = 1; k < SNAPSHOTS; k++)
        if (this.snaps[k * D_SIZE + GRID] < this.snaps[slot * D_SIZE + GRID]) slot = k;
    } else {
      this.snapCount++;
    }
    this.snaps.set(this.d, slot * D_SIZE);
  }

  clearSnapshots(): void {
    this.snapCount = 0;
    this.saveSnapshot();
  }

  /** Restores the newest snapshot decided strictly before `t`; false when none is kept. */
  rollbackBefore(t: number): boolean {
    let best = -1;
    for (let k = 0; k < this.snapCount; k++) {
      const grid = this.snaps[k * D_SIZE + GRID];
      if (grid < t && (best < 0 || grid > this.snaps[best * D_SIZE + GRID])) best = k;
    }
    if (best < 0) return false;
    const bestGrid = this.snaps[best * D_SIZE + GRID];
    this.d.set(this.snaps.subarray(best * D_SIZE, best * D_SIZE + D_SIZE));
    // Later snapshots describe a past that is being rewritten.
    let kept = 0;
    for (let k = 0; k < this.snapCount; k++) {
      if (this.snaps[k * D_SIZE + GRID] > bestGrid) continue;
      if (kept !== k) this.snaps.copyWithin(kept * D_SIZE, k * D_SIZE, k * D_SIZE + D_SIZE);
      kept++;
    }
    this.snapCount = kept;
    return true;
  }

  /**
   * Inserts a read in time order. Returns false (and changes nothing) for a duplicate (same
   * source and seenAt) or a read at or before dropBefore.
   */
  insert(t: number, source: number, rssi: number, maxReads: number): boolean {
    if (t <= this.dropBefore) return false;
    let j = this.end - 1;
    while (j >= this.head && this.times[j] > t) j--;
    for (let k = j; k >= this.head && this.times[k] === t; k--) {
      if (this.src[k] !== source) continue;
      // The same read twice. Should the two disagree on RSSI, keep the stronger, whichever came first.
      const kept = this.rssi[k];
      if (Number.isNaN(rssi) || (!Number.isNaN(kept) && kept >= Math.fround(rssi))) return false;
      this.rssi[k] = rssi;
      return true;
    }
    if (this.end === this.times.length) {
      this.makeRoom(maxReads);
      if (t <= this.dropBefore) return false;
      j = this.end - 1;
      while (j >= this.head && this.times[j] > t) j--;
    }
    const pos = j + 1;
    if (pos < this.end) {
      this.times.copyWithin(pos + 1, pos, this.end);
      this.src.copyWithin(pos + 1, pos, this.end);
      this.rssi.copyWithin(pos + 1, pos, this.end);
    }
    this.times[pos] = t;
    this.src[pos] = source;
    this.rssi[pos] = rssi;
    this.end++;
    if (t > this.newest) this.newest = t;
    return true;
  }

  /** Forgets reads older than `before`. */
  prune(before: number): void {
    while (this.head < this.end && this.times[this.head] < before) this.head++;
    if (this.head === this.end) {
      this.head = 0;
      this.end = 0;
    }
  }

  /** Index of the last read at or before t, or head - 1. */
  lastAtOrBefore(t: number): number {
    let lo = this.head;
    let hi = this.end - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid] <= t) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi;
  }

  /** Rewrites source indexes after a topology change (-1: the device is gone; its reads are ignored). */
  remapSources(map: Int32Array): void {
    for (let i = this.head; i < this.end; i++) this.src[i] = map[this.src[i]];
  }

  private makeRoom(maxReads: number): void {
    const live = this.end - this.head;
    // Compact while at most half full (amortised: one copy per insert at most), else grow.
    if (this.head > 0 && (live <= this.times.length / 2 || this.times.length >= maxReads)) {
      this.times.copyWithin(0, this.head, this.end);
      this.src.copyWithin(0, this.head, this.end);
      this.rssi.copyWithin(0, this.head, this.end);
      this.head = 0;
      this.end = live;
      return;
    }
    if (this.times.length < maxReads) {
      const size = Math.min(maxReads, this.times.length * 2);
      const times = new Float64Array(size);
      const src = new Int32Array(size);
      const rssi = new Float32Array(size);
      times.set(this.times.subarray(this.head, this.end));
      src.set(this.src.subarray(this.head, this.end));
      rssi.set(this.rssi.subarray(this.head, this.end));
      this.times = times;
      this.src = src;
      this.rssi = rssi;
      this.head = 0;
      this.end = live;
      return;
    }
    // Full: forget the oldest quarter (one copy per quarter, not per read), and anything as old
    // that might arrive later.
    const forget = Math.max(1, live >> 2);
    this.dropBefore = Math.max(this.dropBefore, this.times[this.head + forget - 1]);
    this.head += forget;
    this.makeRoom(maxReads);
  }
}
