import { expectedReading, FloorModel } from './ble-model';
import { DeviceDelivery } from './device-delivery';
import { confidenceAt, DEFAULT_ENGINE_CONFIG } from './engine.config';
import type { EngineConfig, EngineObservation, EngineTopology, LocationEvent, TagFix } from './engine.types';
import {
  BLE_SEEN,
  CAND,
  CAND_SINCE,
  CONF,
  FLOOR,
  FLOOR_CAND,
  FLOOR_CAND_SINCE,
  GRID,
  PORTAL_SIDE,
  PORTAL_TIME,
  PORTAL_ZONE,
  resetDecision,
  SEEN_AT,
  TagState,
  TECH,
  TECH_BLE,
  TECH_RFID,
  TRACK_AT,
  TRACK_VAR,
  TRACK_VX,
  TRACK_VY,
  TRACK_X,
  TRACK_Y,
  X,
  Y,
  ZONE,
  ZONE_SINCE,
} from './tag-state';
import { CompiledTopology, type Placement, SIDE_INSIDE, SIDE_NONE, SIDE_OUTSIDE } from './topology';

/** Snapshots are kept at grid instants that are multiples of this many steps. */
const SNAPSHOT_EVERY_STEPS = 4;

/** Gateways do not report readings below about this, dBm. */
const BLE_SENSITIVITY_DBM = -95;

/** Candidate points are sought at least this far around the strongest gateway, m. */
const CANDIDATE_MIN_RADIUS_M = 6;
/** ...and out to this many times the range the strongest gateway's signal suggests (+ 3 m). */
const CANDIDATE_RANGE_FACTOR = 1.5;

/** Residual scale by the number of readings behind a gateway's median (sqrt(n) / 2, n <= 4). */
const READING_WEIGHT = [0.5, 0.5, Math.SQRT1_2, Math.sqrt(3) / 2, 1];

/** A single reading this much stronger than every other gateway's is suspect as a reference (a reflection), dB. */
const WILD_READING_DB = 10;

/** A candidate point whose cost exceeds the best by this (likelihood ratio e^-20) is ignored. */
const NEGLIGIBLE_COST = 20;

/** A gateway's silence counts once the tag advertised this many times within the window. */
const SILENT_AFTER_ADVERTISEMENTS = 5;

/** Readings of one advertisement by several gateways fall within this of each other. */
const ADVERTISEMENT_SPREAD_MS = 200;

/** Upper bound of bleReadingsPerGateway (the scratch space per gateway). */
const READINGS_PER_GATEWAY = 15;

/** BLE track: a beacon that now advertises slowly stopped within about this long of its last quick advertisement, s. */
const TRACK_STOP_S = 1;
/** BLE track: a standing beacon's process noise, m^2 per second per axis (it is only nudged, not carried). */
const TRACK_STILL_NOISE = 0.05;
/** BLE track: the variance per axis never falls below this (the candidate grid's own resolution), m^2. */
const TRACK_MIN_VAR = 0.1;
/** BLE track: equipment is pushed or carried at walking pace; faster apparent speeds are noise, m/s. */
const TRACK_MAX_SPEED = 2.5;

interface TimedEvent {
  at: number;
  seq: number;
  event: LocationEvent;
}

/**
 * The location engine: pure, no I/O and no clock of its own. Feed it observation batches with
 * `ingest`, call `tick` as time passes, and persist the events it returns. The rules and the
 * confidence formula are described in docs/location-engine.md.
 *
 * Decisions are taken at instants of a fixed grid of device time (every `evalStepMs`), each from
 * the reads up to that instant. A read that arrives late (within `lateWindowMs`) rolls the tag
 * back to a snapshot taken before it and replays the instants after it, so the result depends on
 * which reads were heard, not on how they were batched or in which order they came.
 */
export class LocationEngine {
  private readonly config: EngineConfig;
  private topo: CompiledTopology;
  private readonly tags = new Map<string, TagState>();
  /** Per device: how far it has delivered what it heard, and whether it posts in batches. */
  private delivery: DeviceDelivery;
  private batchSeq = 0;
  private eventSeq = 0;

  // Per-batch scratch, reused.
  private batchTags: (TagState | undefined)[] = [];
  private batchSrc = new Int32Array(1024);
  private readonly touched: TagState[] = [];
  private out: TimedEvent[] = [];

  // Per-evaluation scratch, sized to the topology.
  private zoneAcc = new Float64Array(0);
  private zoneCount = new Int32Array(0);
  private zoneFirst = new Float64Array(0);
  private zonePeak = new Float64Array(0);
  private zoneLast = new Float64Array(0);
  private portalIn = new Float64Array(0);
  private portalOut = new Float64Array(0);
  private zoneTouched = new Int32Array(0);
  private floorTop1 = new Float64Array(0);
  private floorTop2 = new Float64Array(0);
  private slotOf = new Int32Array(0);
  private gwVals = new Float64Array(0);
  private gwCount = new Int32Array(0);
  private gwSrc = new Int32Array(0);
  private gwRssi = new Float64Array(0);
  private gwDist = new Float64Array(0);
  private gwReadings = new Int32Array(0);
  private gwLocal = new Int32Array(0);
  private gwScale = new Float64Array(0);
  private models: (FloorModel | undefined)[] = [];
  private locals = new WeakMap<FloorModel, Int32Array>();
  private pointCost = new Float64Array(0);
  private heard = new Uint8Array(0);
  /** Set by trackPrior when it returns true: the track's predicted position and 1 / (2 variance). */
  private priorX = 0;
  private priorY = 0;
  private priorWeight = 0;
  /** Set by bleWindowStart: the beacon's last quick advertisement while it stands still, Infinity while it moves. */
  private bleStillFrom = Infinity;
  /** Set by decideBle: another floor's gateways sound about as strong as those of the tag's floor. */
  private bleFloorContested = false;
  private readonly placement: Placement = { zone: -1, x: 0, y: 0, depth: 0 };
  private readonly clamp: Placement = { zone: -1, x: 0, y: 0, depth: 0 };

  constructor(topology: EngineTopology, config?: Partial<EngineConfig>) {
    this.config = { ...DEFAULT_ENGINE_CONFIG, ...config };
    const { evalStepMs, bleEvalStepMs } = this.config;
    if (!(evalStepMs > 0) || !(bleEvalStepMs > 0) || bleEvalStepMs % evalStepMs !== 0) {
      throw new Error('evalStepMs must be positive and bleEvalStepMs a multiple of it');
    }
    this.topo = new CompiledTopology(topology);
    this.delivery = new DeviceDelivery(this.topo.deviceIds.length, this.config.batchPostMs, this.config.maxBatchLagMs);
    this.sizeScratch();
  }

  get tagCount(): number {
    return this.tags.size;
  }

  /** Replace the facility (devices moved, zones edited) keeping per-tag state. */
  setTopology(topology: EngineTopology): void {
    const old = this.topo;
    const next = new CompiledTopology(topology);
    const keyToNew = new Map<string, number>();
    next.srcKey.forEach((k, i) => keyToNew.set(k, i));
    const srcMap = new Int32Array(old.sourceCount + 1);
    old.srcKey.forEach((k, i) => (srcMap[i] = keyToNew.get(k) ?? -1));
    const zoneMap = (z: number): number => (z < 0 ? -1 : (next.zoneIndex.get(old.zones[z].id) ?? -1));
    const floorMap = (f: number): number => (f < 0 ? -1 : (next.floorIndex.get(old.floorIds[f]) ?? -1));
    for (const tag of this.tags.values()) {
      tag.remapSources(srcMap);
      const d = tag.d;
      d[ZONE] = zoneMap(d[ZONE]);
      d[CAND] = zoneMap(d[CAND]);
      d[PORTAL_ZONE] = zoneMap(d[PORTAL_ZONE]);
      d[FLOOR] = d[ZONE] >= 0 ? next.zones[d[ZONE]].floor : floorMap(d[FLOOR]);
      d[FLOOR_CAND] = floorMap(d[FLOOR_CAND]);
      // Snapshots hold the old indexes: from here on the tag only moves forward.
      tag.clearSnapshots();
    }
    this.delivery = this.delivery.remap(old.deviceIds, next.deviceIndex, next.deviceIds.length);
    this.topo = next;
    this.models = [];
    this.sizeScratch();
  }

  /**
   * A device sent a batch (or a heartbeat), received at `receivedAt` (server time), holding what it
   * heard up to `upTo` (device time: its newest read, or the batch's or heartbeat's own time).
   * Call it for every batch, before ingesting its reads: from how often a device's batches come
   * the engine learns which devices post in batches (every batchPostMs or more) and waits for
   * them — see docs/location-engine.md, "Devices that post in batches". Without these calls every
   * device is taken to deliver what it hears at once. A time more than maxClockAheadMs after
   * `receivedAt` is ignored.
   */
  delivered(deviceId: string, upTo: number, receivedAt: number): void {
    const device = this.topo.deviceIndex.get(deviceId);
    if (device === undefined || !Number.isFinite(receivedAt)) return;
    const known = Number.isFinite(upTo) && upTo <= receivedAt + this.config.maxClockAheadMs;
    this.delivery.delivered(device, known ? upTo : -Infinity, receivedAt);
  }

  /** Rebuild state from stored fixes after a restart (tags then continue from these fixes). */
  restore(fixes: readonly TagFix[]): void {
    for (const fix of fixes) {
      const zone = this.topo.zoneIndex.get(fix.zoneId);
      const tag = new TagState(fix.tagId, this.config.isSupplyUnit(fix.tagId));
      tag.newest = fix.seenAt;
      tag.emittedZoneId = fix.zoneId;
      tag.emittedFloorId = fix.floorId;
      tag.emittedSince = fix.zoneSince;
      const d = tag.d;
      d[GRID] = this.gridFloor(fix.seenAt);
      if (fix.state === 'lost' || zone === undefined) {
        tag.emittedLost = fix.state === 'lost';
        tag.lostFix = fix.state === 'lost' ? { ...fix } : null;
        tag.dropBefore = fix.seenAt;
      } else {
        d[ZONE] = zone;
        d[ZONE_SINCE] = fix.zoneSince;
        d[FLOOR] = this.topo.zones[zone].floor;
        d[X] = fix.x;
        d[Y] = fix.y;
        d[CONF] = fix.confidence;
        d[SEEN_AT] = fix.seenAt;
        d[TECH] = fix.tech === 'ble' ? TECH_BLE : TECH_RFID;
      }
      tag.clearSnapshots();
      this.tags.set(fix.tagId, tag);
    }
  }

  /** One batch (any order, may contain duplicates/late/replayed reads). Returns events in time order. */
  ingest(observations: readonly EngineObservation[], now: number): LocationEvent[] {
    const seq = ++this.batchSeq;
    const topo = this.topo;
    const n = observations.length;
    if (this.batchSrc.length < n) this.batchSrc = new Int32Array(Math.max(n, this.batchSrc.length * 2));
    const batchTags = this.batchTags;
    batchTags.length = n;
    const touched = this.touched;
    touched.length = 0;
    const futureLimit = now + this.config.maxClockAheadMs;

    // Pass 1: resolve each read's source and tag (one map lookup per read), note each tag's newest
    // read before this batch (so the late-read rule does not depend on the order inside the batch).
    for (let i = 0; i < n; i++) {
      const o = observations[i];
      batchTags[i] = undefined;
      const source = topo.sourceOf(o.tech, o.deviceId, o.antenna);
      // A device clock far ahead would make every later read look late: such reads are dropped.
      if (source < 0 || !Number.isFinite(o.seenAt) || o.seenAt > futureLimit) continue;
      this.delivery.read(topo.srcDevice[source], o.seenAt);
      let tag = this.tags.get(o.tagId);
      const zone = topo.srcZone[source];
      if (zone >= 0 && topo.zones[zone].stock) {
        // A supply unit read at a stock location belongs to the stock engine.
        if (tag ? tag.supplyUnit : this.config.isSupplyUnit(o.tagId)) continue;
      }
      if (tag === undefined) {
        tag = new TagState(o.tagId, this.config.isSupplyUnit(o.tagId));
        this.tags.set(o.tagId, tag);
      }
      if (tag.batchMark !== seq) {
        tag.batchMark = seq;
        tag.priorNewest = tag.newest;
        tag.batchOldest = Infinity;
        tag.minInserted = Infinity;
        tag.batchCount = 0;
        touched.push(tag);
      }
      tag.batchCount++;
      if (o.seenAt < tag.batchOldest) tag.batchOldest = o.seenAt;
      if (o.txPower !== undefined && Number.isFinite(o.txPower)) tag.txPower = o.txPower;
      batchTags[i] = tag;
      this.batchSrc[i] = source;
    }

    this.out.length = 0;
    // A tag silent for lostAfterMs before this batch is lost even if no tick saw it.
    for (const tag of touched) {
      if (tag.emittedZoneId !== null && !tag.emittedLost && tag.batchOldest - tag.newest >= this.config.lostAfterMs) {
        this.markLost(tag, tag.newest + this.config.lostAfterMs);
      }
    }

    // Pass 2: insert reads in time order per tag; drop too-late ones and exact duplicates. A tag
    // with more reads in this batch than its buffer holds (a gateway flushing a backlog) takes
    // them in time order, deciding as it goes, so none is forgotten before it counted.
    const late = this.config.lateWindowMs;
    const maxReads = this.config.maxReadsPerTag;
    let bulk: Map<TagState, number[]> | undefined;
    for (let i = 0; i < n; i++) {
      const tag = batchTags[i];
      if (tag === undefined) continue;
      batchTags[i] = undefined;
      const o = observations[i];
      // Late relative to what earlier batches brought: reads of one batch are never late to each
      // other, and a device that posts in batches may deliver its reads that much later.
      if (o.seenAt < tag.priorNewest - late - this.allowance(this.batchSrc[i])) continue;
      if (tag.batchCount > maxReads / 2) {
        bulk ??= new Map();
        let list = bulk.get(tag);
        if (!list) bulk.set(tag, (list = []));
        list.push(i);
        continue;
      }
      this.insertRead(tag, o, this.batchSrc[i], maxReads);
    }
    if (bulk) {
      for (const [tag, list] of bulk) {
        list.sort((a, b) => observations[a].seenAt - observations[b].seenAt);
        for (const i of list) {
          const o = observations[i];
          if (tag.readCount >= maxReads - 1) {
            // Decide every instant before this read, then forget what no later instant needs.
            if (tag.minInserted <= tag.d[GRID]) tag.rollbackBefore(tag.minInserted);
            tag.minInserted = Infinity;
            const upTo = this.gridCeil(o.seenAt) - this.config.evalStepMs;
            if (upTo > tag.d[GRID]) this.advance(tag, upTo);
            tag.prune(tag.d[GRID] - this.windowMax());
          }
          this.insertRead(tag, o, this.batchSrc[i], maxReads);
        }
        // Every read of the batch has been counted: the next decisions start after them.
        tag.minInserted = Math.min(tag.minInserted, tag.newest);
      }
    }

    // Pass 3: per tag, roll back if a read landed among decided instants, then decide forward.
    for (const tag of touched) {
      if (tag.minInserted === Infinity) continue;
      const d = tag.d;
      const decidedUpTo = d[GRID];
      // Without a snapshot that old (e.g. right after a topology change) the tag carries on forward.
      if (tag.minInserted <= decidedUpTo) tag.rollbackBefore(tag.minInserted);
      // A placed tag decides up to the last instant its reads have passed, and that every device
      // that heard it lately has delivered (a reader that posts every few seconds still holds the
      // reads of the last ones); the instant after waits for the next reads (or tick), so reads of
      // the next batch rarely force a replay. A tag without a fix decides at once.
      const horizon = Math.max(
        d[ZONE] < 0 ? this.gridCeil(tag.newest) : this.gridFloor(Math.min(tag.newest, this.deliveredFor(tag, now))),
        decidedUpTo,
      );
      this.advance(tag, horizon);
      tag.prune(tag.newest - this.retainMs());
    }
    touched.length = 0;
    return this.drain();
  }

  private insertRead(tag: TagState, o: EngineObservation, source: number, maxReads: number): void {
    const rssi = o.rssi === null || !Number.isFinite(o.rssi) ? NaN : o.rssi;
    if (tag.insert(o.seenAt, source, rssi, maxReads) && o.seenAt < tag.minInserted) tag.minInserted = o.seenAt;
  }

  /** Time passing without reads: pending moves that are now confirmed, tags becoming 'lost'. */
  tick(now: number): LocationEvent[] {
    this.out.length = 0;
    const reach = this.windowMax();
    for (const tag of this.tags.values()) {
      if (tag.emittedZoneId !== null && !tag.emittedLost && now - tag.newest >= this.config.lostAfterMs) {
        this.markLost(tag, now);
        continue;
      }
      // Take the decisions up to shortly before now (reads of those instants should all have
      // arrived by then): evidence still in its window may confirm a move although nothing new was
      // heard, and the reads after a tag's last decided instant count.
      let horizon = Math.min(this.gridFloor(now - this.config.lateWindowMs), this.gridCeil(tag.newest + reach));
      // A tag quiet for tickQuietMs has delivered the reads of its last moment (a still beacon's
      // advertisement, heard by every gateway at once): decide right after them, up to a BLE
      // instant, instead of lateWindowMs later. A read of that moment that still comes rolls back.
      const bleStep = this.config.bleEvalStepMs;
      const afterNewest = Math.min(this.gridFloor(now), Math.ceil(tag.newest / bleStep) * bleStep);
      // A device that posts in batches and heard the tag lately may still hold reads of these
      // instants: nothing after what it has delivered is decided, and the quiet rule waits until
      // it has delivered the tag's last moment (the gateways that heard one advertisement stamp
      // it within ADVERTISEMENT_SPREAD_MS of each other).
      const quiet = afterNewest > horizon && now - tag.newest >= this.config.tickQuietMs;
      if (!quiet && horizon <= tag.d[GRID]) continue;
      const delivered = this.deliveredFor(tag, now);
      if (quiet && delivered >= tag.newest - ADVERTISEMENT_SPREAD_MS) horizon = afterNewest;
      if (delivered !== Infinity) horizon = Math.min(horizon, this.gridFloor(delivered));
      if (horizon > tag.d[GRID]) this.advance(tag, horizon);
    }
    return this.drain();
  }

  /**
   * The tag's current fix, or undefined if it has none. With `now`, the confidence is aged to
   * that instant (see confidenceAt).
   */
  fixOf(tagId: string, now?: number): TagFix | undefined {
    const tag = this.tags.get(tagId);
    if (tag === undefined) return undefined;
    let fix: TagFix | undefined;
    if (tag.emittedLost && tag.lostFix !== null) fix = { ...tag.lostFix };
    else if (tag.d[ZONE] >= 0) fix = this.buildFix(tag);
    if (fix && now !== undefined) {
      fix.confidence = confidenceAt(fix.confidence, fix.seenAt, now, this.config.confidenceHalfLifeMs);
    }
    return fix;
  }

  /** Drop state of tags (e.g. when this worker stops owning their partition). */
  forget(predicate: (tagId: string) => boolean): void {
    for (const tagId of [...this.tags.keys()]) if (predicate(tagId)) this.tags.delete(tagId);
  }

  // ---------------------------------------------------------------------------------------------

  /** How much later a read of `source` may come than other devices' reads (0 unless its device posts in batches). */
  private allowance(source: number): number {
    return this.delivery.longestAllowance === 0 ? 0 : this.delivery.lateAllowance(this.topo.srcDevice[source]);
  }

  /**
   * How far every device that posts in batches and heard the tag lately has delivered what it
   * heard, at server time `now`: the oldest of their delivery times, Infinity when there is none to
   * wait for (no such device heard it, or the ones that did are overdue — switched off, or with
   * nothing more to say). Devices that deliver at once are never waited for.
   */
  private deliveredFor(tag: TagState, now: number): number {
    const delivery = this.delivery;
    if (delivery.longestAllowance === 0) return Infinity;
    // The device that held the tag back last time still does: nothing else needs looking at (the
    // other devices' delivery times only grow).
    const w = tag.waitDevice;
    if (w >= 0 && delivery.waitFor(w, now) === tag.waitUpTo) return tag.waitUpTo;
    const srcDevice = this.topo.srcDevice;
    const from = tag.newest - this.config.lateWindowMs - delivery.longestAllowance;
    let oldest = Infinity;
    let who = -1;
    for (let i = tag.end - 1; i >= tag.head && tag.times[i] >= from; i--) {
      const s = tag.src[i];
      if (s < 0) continue;
      const u = delivery.waitFor(srcDevice[s], now);
      if (u < oldest) {
        oldest = u;
        who = srcDevice[s];
      }
    }
    tag.waitDevice = who;
    tag.waitUpTo = oldest;
    return oldest;
  }

  /** Takes the decisions of every grid instant after the last decided one, up to horizon. */
  private advance(tag: TagState, horizon: number): void {
    const d = tag.d;
    const step = this.config.evalStepMs;
    const reach = this.windowMax();
    const snapEvery = step * SNAPSHOT_EVERY_STEPS;
    let g = d[GRID] === -Infinity ? this.gridCeil(tag.times[tag.head]) : d[GRID] + step;
    while (g <= horizon) {
      const hi = tag.lastAtOrBefore(g);
      if (hi < tag.head || tag.times[hi] <= g - reach) {
        // Nothing heard within reach of g: no challenger can lead. Jump to the next read.
        d[CAND] = -1;
        d[FLOOR_CAND] = -1;
        const next = hi + 1;
        d[GRID] = g;
        if (next >= tag.end) break;
        g = Math.max(g + step, this.gridCeil(tag.times[next]));
        continue;
      }
      this.decide(tag, g, hi);
      d[GRID] = g;
      if (g % snapEvery === 0) tag.saveSnapshot();
      this.emitIfChanged(tag, g);
      g += step;
    }
    if (horizon > d[GRID]) d[GRID] = horizon;
  }

  /** One grid instant: RFID evidence if the tag was read by an antenna lately, else BLE. */
  private decide(tag: TagState, g: number, hi: number): void {
    const d = tag.d;
    d[SEEN_AT] = tag.times[hi];
    if (this.decideRfid(tag, g, hi)) return;
    // BLE positions are computed every bleEvalStepMs (readings come about once a second);
    // a tag without a fix is placed as soon as it can be.
    if (d[ZONE] >= 0 && g % this.config.bleEvalStepMs !== 0) return;
    this.decideBle(tag, g, hi);
  }

  private decideRfid(tag: TagState, g: number, hi: number): boolean {
    const cfg = this.config;
    const topo = this.topo;
    const d = tag.d;
    const from = g - cfg.rfidWindowMs;
    if (this.settledRfid(tag, hi, from)) return true;
    const portalFrom = g - cfg.portalWindowMs;
    const acc = this.zoneAcc;
    const count = this.zoneCount;
    const first = this.zoneFirst;
    const touched = this.zoneTouched;
    let nTouched = 0;
    let anyPortal = false;
    for (let i = hi; i >= tag.head && tag.times[i] > from; i--) {
      const s = tag.src[i];
      if (s < 0 || topo.srcIsGateway[s] === 1) continue;
      const z = topo.srcZone[s];
      const rssi = Number.isNaN(tag.rssi[i]) ? cfg.rfidNullRssiDbm : tag.rssi[i];
      // Older reads count less (rfidDecayDbPerS): a zone that stopped reading the tag fades.
      const power = Math.pow(10, (rssi - (cfg.rfidDecayDbPerS * (g - tag.times[i])) / 1000) / 10);
      if (count[z] === 0) {
        touched[nTouched++] = z;
        acc[z] = 0;
        this.zonePeak[z] = -Infinity;
        this.zoneLast[z] = tag.times[i];
        this.portalIn[z] = 0;
        this.portalOut[z] = 0;
      }
      count[z]++;
      acc[z] += power;
      first[z] = tag.times[i];
      if (rssi > this.zonePeak[z]) this.zonePeak[z] = rssi;
      const side = topo.srcSide[s];
      if (side !== SIDE_NONE && tag.times[i] > portalFrom) {
        anyPortal = true;
        if (side === SIDE_INSIDE) this.portalIn[z] += power;
        else this.portalOut[z] += power;
      }
    }
    if (nTouched === 0) return false;

    let best = -1;
    let bestE = -Infinity;
    for (let k = 0; k < nTouched; k++) {
      const z = touched[k];
      const e = 10 * Math.log10(acc[z]);
      acc[z] = e;
      if (e > bestE || (e === bestE && topo.zones[z].id < topo.zones[best].id)) {
        best = z;
        bestE = e;
      }
    }
    if (anyPortal) this.portalStep(tag, g, touched, nTouched);

    const cur = d[ZONE];
    if (cur < 0) {
      this.place(tag, best, first[best], TECH_RFID);
    } else {
      const curE = count[cur] > 0 ? acc[cur] : -Infinity;
      // A challenger leads only while it is still being read (within half the window): when the
      // tag is no longer read at all, the last zones to fade do not take over.
      const alive = this.zoneLast[best] > g - cfg.rfidWindowMs / 2;
      const leader = best !== cur && alive && (curE === -Infinity || bestE - curE >= cfg.rfidHysteresisDb) ? best : cur;
      // A challenger read about as strongly as the current zone was (its peak within the
      // hysteresis of the current zone's peak) has clearly taken over: the tag moves at once.
      // A faint one (a neighbour's cross-read while the tag's own antenna missed it) must keep
      // leading for rfidDwellMs.
      const strong =
        leader !== cur && (curE === -Infinity || this.zonePeak[leader] >= this.zonePeak[cur] - cfg.rfidHysteresisDb);
      this.dwellStep(tag, leader, g, strong ? 0 : cfg.rfidDwellMs);
      d[TECH] = TECH_RFID;
    }
    const z = d[ZONE];
    const zone = topo.zones[z];
    d[X] = zone.cx;
    d[Y] = zone.cy;
    d[FLOOR] = zone.floor;
    d[FLOOR_CAND] = -1;
    if (count[z] > 0) {
      let other = -Infinity;
      for (let k = 0; k < nTouched; k++) if (touched[k] !== z && acc[touched[k]] > other) other = acc[touched[k]];
      d[CONF] = rfidConfidence(other === -Infinity ? UNCHALLENGED_MARGIN_DB : acc[z] - other, count[z]);
    }
    for (let k = 0; k < nTouched; k++) count[touched[k]] = 0;
    return true;
  }

  /**
   * The common case, decided without weighing evidence: every antenna read in the window is one
   * of the current zone's, none a doorway portal's. The zone holds, any challenger is dropped and
   * the confidence is that of an unchallenged zone — what the full computation gives, without its
   * per-read powers and logarithms. False when the full computation is needed.
   */
  private settledRfid(tag: TagState, hi: number, from: number): boolean {
    const d = tag.d;
    const cur = d[ZONE];
    if (cur < 0) return false;
    const topo = this.topo;
    let reads = 0;
    for (let i = hi; i >= tag.head && tag.times[i] > from; i--) {
      const s = tag.src[i];
      if (s < 0 || topo.srcIsGateway[s] === 1) continue;
      if (topo.srcZone[s] !== cur || topo.srcSide[s] !== SIDE_NONE) return false;
      reads++;
    }
    if (reads === 0) return false;
    const zone = topo.zones[cur];
    d[CAND] = -1;
    d[TECH] = TECH_RFID;
    d[X] = zone.cx;
    d[Y] = zone.cy;
    d[FLOOR] = zone.floor;
    d[FLOOR_CAND] = -1;
    d[CONF] = rfidConfidence(UNCHALLENGED_MARGIN_DB, reads);
    return true;
  }

  /** Doorway portals: the side the tag is on now vs the side it was on a moment ago. */
  private portalStep(tag: TagState, g: number, touched: Int32Array, nTouched: number): void {
    const d = tag.d;
    let portal = -1;
    let strength = 0;
    for (let k = 0; k < nTouched; k++) {
      const z = touched[k];
      const s = this.portalIn[z] + this.portalOut[z];
      if (s > strength) {
        strength = s;
        portal = z;
      }
    }
    if (portal < 0) return;
    const inside = this.portalIn[portal];
    const outside = this.portalOut[portal];
    if (inside === outside) return;
    const side = inside > outside ? SIDE_INSIDE : SIDE_OUTSIDE;
    if (d[PORTAL_ZONE] === portal && d[PORTAL_SIDE] !== side && d[PORTAL_SIDE] !== -1) {
      if (g - d[PORTAL_TIME] <= this.config.doorwayCrossingMs && g > tag.crossingGrid) {
        tag.crossingGrid = g;
        this.push(g, {
          type: 'DoorwayCrossed',
          tagId: tag.tagId,
          zoneId: this.topo.zones[portal].id,
          direction: side === SIDE_INSIDE ? 'entered' : 'left',
          at: g,
        });
      }
    }
    d[PORTAL_ZONE] = portal;
    d[PORTAL_SIDE] = side;
    d[PORTAL_TIME] = g;
  }

  private decideBle(tag: TagState, g: number, hi: number): void {
    const cfg = this.config;
    const topo = this.topo;
    const d = tag.d;

    // Nothing new since the last BLE decision: nothing to decide (a move needs fresh evidence).
    let newest = hi;
    while (newest >= tag.head && (tag.src[newest] < 0 || topo.srcIsGateway[tag.src[newest]] === 0)) newest--;
    if (newest < tag.head) return;
    if (d[ZONE] >= 0 && tag.times[newest] <= d[BLE_SEEN]) return;
    d[BLE_SEEN] = tag.times[newest];
    const from = this.bleWindowStart(tag, g, newest);

    // Per gateway, its newest readings within the window (up to READINGS_PER_GATEWAY); the
    // median of them is the gateway's smoothed signal, robust to outliers and missed packets.
    const slotOf = this.slotOf;
    const vals = this.gwVals;
    const cnt = this.gwCount;
    const M = Math.min(READINGS_PER_GATEWAY, cfg.bleReadingsPerGateway);
    let ng = 0;
    // Distinct advertisements in the window (how many chances each gateway had to hear it).
    let advertisements = 0;
    let lastAdv = Infinity;
    for (let i = hi; i >= tag.head && tag.times[i] > from; i--) {
      const s = tag.src[i];
      if (s < 0 || topo.srcIsGateway[s] === 0) continue;
      const r = tag.rssi[i];
      if (Number.isNaN(r)) continue;
      let slot = slotOf[s];
      if (slot < 0) {
        slot = ng++;
        slotOf[s] = slot;
        this.gwSrc[slot] = s;
        cnt[slot] = 0;
      }
      const c = cnt[slot];
      if (c < M) {
        vals[slot * M + c] = r;
        cnt[slot] = c + 1;
      }
      if (lastAdv - tag.times[i] > ADVERTISEMENT_SPREAD_MS) {
        advertisements++;
        lastAdv = tag.times[i];
      }
    }
    if (ng === 0) {
      d[CAND] = -1;
      d[FLOOR_CAND] = -1;
      return;
    }
    for (let slot = 0; slot < ng; slot++) {
      slotOf[this.gwSrc[slot]] = -1;
      this.gwRssi[slot] = median(vals, slot * M, cnt[slot]);
      this.gwReadings[slot] = cnt[slot];
    }

    // A first fix from one or two gateways waits a second for the others to be heard.
    if (d[ZONE] < 0 && ng < 3 && g - tag.times[this.firstInWindow(tag, hi, from)] < 1_000) return;

    // Floor: the mean of the two strongest gateways per floor, with hysteresis and dwell.
    const top1 = this.floorTop1;
    const top2 = this.floorTop2;
    top1.fill(-Infinity);
    top2.fill(-Infinity);
    for (let k = 0; k < ng; k++) {
      const f = topo.srcFloor[this.gwSrc[k]];
      const r = this.gwRssi[k];
      if (r > top1[f]) {
        top2[f] = top1[f];
        top1[f] = r;
      } else if (r > top2[f]) top2[f] = r;
    }
    let bestFloor = -1;
    let bestScore = -Infinity;
    for (let f = 0; f < top1.length; f++) {
      if (top1[f] === -Infinity) continue;
      const score = floorScore(top1[f], top2[f]);
      if (score > bestScore) {
        bestScore = score;
        bestFloor = f;
      }
    }
    let floorChanged = false;
    const curFloor = d[FLOOR];
    if (d[ZONE] < 0 || curFloor < 0) {
      d[FLOOR] = bestFloor;
      d[FLOOR_CAND] = -1;
      floorChanged = true;
    } else {
      const curScore = top1[curFloor] === -Infinity ? -Infinity : floorScore(top1[curFloor], top2[curFloor]);
      const leader =
        bestFloor !== curFloor && (curScore === -Infinity || bestScore - curScore >= cfg.bleFloorHysteresisDb)
          ? bestFloor
          : curFloor;
      if (leader === curFloor) d[FLOOR_CAND] = -1;
      else {
        if (d[FLOOR_CAND] !== leader) {
          d[FLOOR_CAND] = leader;
          d[FLOOR_CAND_SINCE] = g;
        }
        if (g - d[FLOOR_CAND_SINCE] >= cfg.bleFloorDwellMs) {
          d[FLOOR] = leader;
          d[FLOOR_CAND] = -1;
          floorChanged = true;
        }
      }
    }
    const floor = d[FLOOR];
    // Another floor heard about as strongly (within half the floor hysteresis): a burst through the
    // floor or a lift ride, when this floor's readings are no ground for a change of zone.
    const here = top1[floor] === -Infinity ? -Infinity : floorScore(top1[floor], top2[floor]);
    let contested = false;
    for (let f = 0; f < top1.length; f++)
      if (f !== floor && top1[f] !== -Infinity && floorScore(top1[f], top2[f]) > here - cfg.bleFloorHysteresisDb / 2)
        contested = true;
    this.bleFloorContested = contested;

    const tx = Number.isNaN(tag.txPower) ? cfg.defaultTxPower : tag.txPower;
    if (
      cfg.blePositioning === 'model' &&
      this.decideByModel(tag, floor, ng, tx, g, hi, from, floorChanged, advertisements)
    )
      return;

    // Position on that floor from its strongest gateways: log-distance ranges, 1/d^2 weights.
    const k = this.strongestOnFloor(floor, ng, cfg.bleMaxGateways);
    if (k === 0) {
      d[CAND] = -1;
      return;
    }
    let sw = 0;
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < k; i++) {
      const s = this.gwSrc[i];
      const dist = Math.max(0.5, Math.pow(10, (tx - this.gwRssi[i]) / (10 * cfg.pathLossExponent)));
      this.gwDist[i] = dist;
      const w = 1 / (dist * dist);
      sw += w;
      sx += w * topo.srcX[s];
      sy += w * topo.srcY[s];
    }
    const px = sx / sw;
    const py = sy / sw;
    let rss = 0;
    for (let i = 0; i < k; i++) {
      const s = this.gwSrc[i];
      const w = 1 / (this.gwDist[i] * this.gwDist[i]);
      const r = Math.hypot(px - topo.srcX[s], py - topo.srcY[s]) - this.gwDist[i];
      rss += w * r * r;
    }
    const spread = Math.sqrt(rss / sw);
    const p = this.placement;
    if (!topo.place(floor, px, py, p)) {
      d[CAND] = -1;
      return;
    }

    if (d[ZONE] < 0 || floorChanged || topo.zones[d[ZONE]].floor !== floor) {
      this.place(tag, p.zone, d[ZONE] < 0 ? tag.times[this.firstInWindow(tag, hi, from)] : g, TECH_BLE);
    } else {
      const leader = p.zone !== d[ZONE] && p.depth >= cfg.bleZoneMarginM ? p.zone : d[ZONE];
      this.dwellStep(tag, leader, g, cfg.bleDwellMs);
      d[TECH] = TECH_BLE;
    }
    let depth = p.depth;
    let inZone = true;
    if (p.zone === d[ZONE]) {
      d[X] = p.x;
      d[Y] = p.y;
    } else {
      const c = this.clamp;
      topo.clampInto(d[ZONE], px, py, c);
      d[X] = c.x;
      d[Y] = c.y;
      depth = c.depth;
      inZone = false;
    }
    d[CONF] = bleConfidence(k, spread, depth, inZone);
  }

  /**
   * Where the BLE window starts. Beacons advertise faster while moving (about 1 Hz) than while
   * still (every few seconds): while the tag advertises slowly, it has been standing since its
   * last quick advertisement, and every reading since then (up to bleStillWindowMs) describes the
   * same spot; otherwise only the last bleWindowMs do. Notes in bleStillFrom since when it stands.
   */
  private bleWindowStart(tag: TagState, g: number, newest: number): number {
    const cfg = this.config;
    const topo = this.topo;
    const short = g - cfg.bleWindowMs;
    const long = g - cfg.bleStillWindowMs;
    let adv = tag.times[newest];
    let stillFrom = adv;
    for (let i = newest - 1; i >= tag.head && tag.times[i] > long; i--) {
      const s = tag.src[i];
      if (s < 0 || topo.srcIsGateway[s] === 0) continue;
      const t = tag.times[i];
      // Readings of one advertisement by several gateways carry (nearly) the same time.
      if (adv - t <= ADVERTISEMENT_SPREAD_MS) continue;
      if (adv - t < cfg.bleStillIntervalMs) break;
      adv = t;
      stillFrom = t;
    }
    if (stillFrom === tag.times[newest]) {
      this.bleStillFrom = Infinity;
      return short;
    }
    this.bleStillFrom = stillFrom;
    return Math.max(long, Math.min(short, stillFrom - ADVERTISEMENT_SPREAD_MS));
  }

  /**
   * Model-based BLE decision: every candidate point of the floor (a grid inside its zones) is
   * scored by how well the path-loss model (distance and walls) predicts the smoothed signal of
   * each gateway heard; the scores give each zone a posterior probability. The zone decision uses
   * those probabilities (hysteresis as a ratio, then the dwell); the point is the probability-
   * weighted mean of the decided zone's points. False when the floor has no candidate points.
   */
  private decideByModel(
    tag: TagState,
    floor: number,
    ng: number,
    tx: number,
    g: number,
    hi: number,
    from: number,
    floorChanged: boolean,
    advertisements: number,
  ): boolean {
    const cfg = this.config;
    const topo = this.topo;
    const d = tag.d;
    const model = this.floorModel(floor);
    if (model.pointCount === 0) return false;
    const G = model.gateways.length;
    const local = this.localOf(model);
    const heard = this.heard.length >= G ? this.heard : (this.heard = new Uint8Array(G * 2));
    for (let i = 0; i < ng; i++) {
      const l = local[this.gwSrc[i]];
      if (l >= 0) heard[l] = 1;
    }
    const k = this.strongestOnFloor(floor, ng, cfg.bleMaxGateways);
    if (k === 0) {
      heard.fill(0, 0, G);
      return false;
    }
    // The reference is the strongest gateway, unless it heard the tag only once and stands out
    // from the others (a single wild reading, a reflection, must not decide where to look): then
    // the strongest that heard it more than once, if any.
    let r0 = 0;
    if (this.gwReadings[0] < 2 && (k === 1 || this.gwRssi[0] - this.gwRssi[1] > WILD_READING_DB)) {
      while (r0 < k && this.gwReadings[r0] < 2) r0++;
      if (r0 === k) r0 = 0;
    }
    const ref = local[this.gwSrc[r0]];
    const cand = model.near[ref];
    if (cand === undefined || cand.length === 0) {
      heard.fill(0, 0, G);
      return false;
    }
    // Candidates: points around the strongest gateway, within a few times the range its
    // signal suggests (a strong signal means the tag is close to it).
    const range = Math.sqrt(
      Math.max(
        0,
        Math.pow(10, (2 * (tx - this.gwRssi[r0])) / (10 * cfg.pathLossExponent)) - cfg.bleGatewayHeightM ** 2,
      ),
    );
    const radius = Math.min(cfg.bleSearchM, Math.max(CANDIDATE_MIN_RADIUS_M, CANDIDATE_RANGE_FACTOR * range + 3));
    const nearDist = model.nearDist[ref];
    let nc = 0;
    while (nc < cand.length && nearDist[nc] <= radius) nc++;
    if (nc === 0) nc = 1;
    const defaultTx = tx === cfg.defaultTxPower;
    const tracked = this.trackPrior(tag, g, floor, floorChanged);
    const priorX = this.priorX;
    const priorY = this.priorY;
    const priorWeight = this.priorWeight;

    // Score every candidate point near the strongest gateway (robust: Huber loss on residuals).
    const sigma = cfg.bleSigmaDb;
    const costs = this.pointCost;
    // Per gateway used, hoisted out of the point loop: its local index and residual scale (a
    // median of more readings is surer: up to 4 readings halve the deviation).
    const lg = this.gwLocal;
    const scale = this.gwScale;
    for (let i = 0; i < k; i++) {
      lg[i] = local[this.gwSrc[i]];
      scale[i] = READING_WEIGHT[Math.min(4, this.gwReadings[i])] / sigma;
    }
    const rssi = this.gwRssi;
    let minCost = Infinity;
    for (let j = 0; j < nc; j++) {
      const base = cand[j] * G;
      let cost = 0;
      for (let i = 0; i < k; i++) {
        const l = lg[i];
        // Only readings above the sensitivity floor are reported: a weak gateway's readings are
        // biased upwards, so compare with what it would report on average, not the model's mean.
        let predicted = model.expected[base + l];
        if (!defaultTx) {
          const loss = model.loss[base + l];
          predicted = expectedReading(
            Number.isNaN(loss) ? BLE_SENSITIVITY_DBM - 10 : tx - loss,
            sigma,
            BLE_SENSITIVITY_DBM,
          );
        }
        const r = Math.abs(rssi[i] - predicted) * scale[i];
        cost += r <= 2 ? (r * r) / 2 : 2 * r - 2;
        // Already far less likely than the best point so far: it will add nothing measurable.
        if (cost - minCost > NEGLIGIBLE_COST) break;
      }
      if (cost - minCost > NEGLIGIBLE_COST) {
        costs[j] = Infinity;
        continue;
      }
      // Silence is evidence too: a gateway that should hear a beacon here missed every one of
      // several advertisements (with a few, all can be lost by chance).
      const p = cand[j];
      if (advertisements >= SILENT_AFTER_ADVERTISEMENTS)
        for (let a = model.audibleStart[p]; a < model.audibleStart[p + 1]; a++) {
          const l = model.audible[a];
          if (heard[l] === 1) continue;
          const r = (tx - model.loss[base + l] - BLE_SENSITIVITY_DBM) / sigma;
          if (r > 0) cost += cfg.bleSilenceWeight * (r <= 2 ? (r * r) / 2 : 2 * r - 2);
        }
      // Where the track says the beacon should be by now (a Gaussian prior on the point).
      if (tracked) {
        const ex = model.px[p] - priorX;
        const ey = model.py[p] - priorY;
        cost += (ex * ex + ey * ey) * priorWeight;
      }
      costs[j] = cost;
      if (cost < minCost) minCost = cost;
    }
    // Posterior per zone (uniform prior over the floor area): sum of exp(-cost) of its points.
    const post = this.zoneAcc;
    const zx = this.zoneFirst;
    const zy = this.zonePeak;
    const count = this.zoneCount;
    const touched = this.zoneTouched;
    let nTouched = 0;
    let total = 0;
    // Moments of the whole posterior over the points (all zones), for the track.
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    for (let j = 0; j < nc; j++) {
      const p = cand[j];
      const z = model.pzone[p];
      if (count[z] === 0) {
        touched[nTouched++] = z;
        post[z] = 0;
        zx[z] = 0;
        zy[z] = 0;
      }
      count[z]++;
      // Points far less likely than the best add nothing measurable.
      if (costs[j] - minCost > NEGLIGIBLE_COST) continue;
      const w = Math.exp(minCost - costs[j]);
      const px = model.px[p];
      const py = model.py[p];
      post[z] += w;
      zx[z] += w * px;
      zy[z] += w * py;
      sx += w * px;
      sy += w * py;
      sxx += w * (px * px + py * py);
      total += w;
    }
    if (cfg.bleTracking && total > 0) this.updateTrack(tag, g, sx / total, sy / total, sxx / total, tracked);
    if (cfg.bleZonePrior === 'zone') {
      // Every zone equally likely a priori: a zone's probability is its points' mean likelihood.
      total = 0;
      for (let t = 0; t < nTouched; t++) {
        const z = touched[t];
        const n = count[z];
        post[z] /= n;
        zx[z] /= n;
        zy[z] /= n;
        total += post[z];
      }
    }
    let best = touched[0];
    for (let t = 1; t < nTouched; t++) {
      const z = touched[t];
      if (post[z] > post[best] || (post[z] === post[best] && topo.zones[z].id < topo.zones[best].id)) best = z;
    }

    const cur = d[ZONE];
    if (cur < 0 || floorChanged || topo.zones[cur].floor !== floor) {
      this.place(tag, best, cur < 0 ? tag.times[this.firstInWindow(tag, hi, from)] : g, TECH_BLE);
    } else {
      // Hysteresis in probability space, by motion. A strong leader is bleStrongZoneRatio times
      // as probable as the current zone and holds bleStrongZoneShare of the probability. A moving
      // beacon follows a strong leader at once and one bleZoneRatio times as probable after
      // bleDwellMs; a still one (advertising slowly, its evidence gathered since it stopped)
      // only a strong leader, after bleDwellMs.
      const still = this.bleStillFrom !== Infinity;
      const curPost = count[cur] > 0 ? post[cur] : 0;
      const strong = post[best] >= cfg.bleStrongZoneRatio * curPost && post[best] >= cfg.bleStrongZoneShare * total;
      // While another floor sounds about as strong, this floor's readings are suspect: the zone holds.
      const leads = !this.bleFloorContested && (strong || (!still && post[best] >= cfg.bleZoneRatio * curPost));
      this.dwellStep(tag, best !== cur && leads ? best : cur, g, strong && !still ? 0 : cfg.bleDwellMs);
      d[TECH] = TECH_BLE;
    }
    const z = d[ZONE];
    if (count[z] > 0 && post[z] > 0) {
      d[X] = zx[z] / post[z];
      d[Y] = zy[z] / post[z];
      d[CONF] = (post[z] / total) * Math.min(1, k / 3);
    } else {
      // The decided zone is out of the candidates' reach (a move pending): keep its last point.
      const c = this.clamp;
      topo.clampInto(z, d[X], d[Y], c);
      d[X] = c.x;
      d[Y] = c.y;
      d[CONF] = 0;
    }
    for (let t = 0; t < nTouched; t++) count[touched[t]] = 0;
    heard.fill(0, 0, G);
    return true;
  }

  /**
   * The BLE track's prediction for instant g (model positioning): from the last filtered position,
   * moved on by its velocity (a beacon that now stands stopped within about TRACK_STOP_S), with
   * its variance grown by the process noise. Sets priorX/priorY/priorWeight; false when there is
   * no track to go on (tracking off, no fix yet, a floor change, RFID decided last, or the track
   * is older than bleTrackResetMs).
   */
  private trackPrior(tag: TagState, g: number, floor: number, floorChanged: boolean): boolean {
    const cfg = this.config;
    const d = tag.d;
    if (
      !cfg.bleTracking ||
      floorChanged ||
      d[ZONE] < 0 ||
      d[TECH] !== TECH_BLE ||
      this.topo.zones[d[ZONE]].floor !== floor ||
      !(g > d[TRACK_AT] && g - d[TRACK_AT] <= cfg.bleTrackResetMs)
    )
      return false;
    const dt = (g - d[TRACK_AT]) / 1000;
    const still = this.bleStillFrom !== Infinity;
    const moved = still ? Math.min(dt, TRACK_STOP_S) : dt;
    const vx = d[TRACK_VX];
    const vy = d[TRACK_VY];
    const moving = cfg.bleTrackNoise + cfg.bleTrackSpeedNoise * (vx * vx + vy * vy);
    const variance = d[TRACK_VAR] + moving * moved + TRACK_STILL_NOISE * (dt - moved);
    this.priorX = d[TRACK_X] + vx * moved;
    this.priorY = d[TRACK_Y] + vy * moved;
    this.priorWeight = 1 / (2 * variance);
    return true;
  }

  /**
   * Takes the posterior over the candidate points of a moving beacon as the track's new state
   * (its mean mx, my and mean square distance from the origin sxx): the mean, the variance per
   * axis, and the velocity smoothed from the displacement since the last state.
   */
  private updateTrack(tag: TagState, g: number, mx: number, my: number, sxx: number, tracked: boolean): void {
    // A standing beacon's window already gathers every reading since it stopped, with the track
    // (its moving readings) as the prior: taking the result as the new track would count those
    // readings again at every decision. The track stays as it was when the beacon stopped.
    if (this.bleStillFrom !== Infinity) return;
    const d = tag.d;
    if (tracked) {
      const dt = (g - d[TRACK_AT]) / 1000;
      const gain = this.config.bleTrackVelocityGain;
      let vx = (1 - gain) * d[TRACK_VX] + (gain * (mx - d[TRACK_X])) / dt;
      let vy = (1 - gain) * d[TRACK_VY] + (gain * (my - d[TRACK_Y])) / dt;
      const speed = Math.hypot(vx, vy);
      if (speed > TRACK_MAX_SPEED) {
        vx *= TRACK_MAX_SPEED / speed;
        vy *= TRACK_MAX_SPEED / speed;
      }
      d[TRACK_VX] = vx;
      d[TRACK_VY] = vy;
    } else {
      d[TRACK_VX] = 0;
      d[TRACK_VY] = 0;
    }
    d[TRACK_X] = mx;
    d[TRACK_Y] = my;
    d[TRACK_VAR] = Math.max(TRACK_MIN_VAR, (sxx - mx * mx - my * my) / 2);
    d[TRACK_AT] = g;
  }

  private floorModel(floor: number): FloorModel {
    let model = this.models[floor];
    if (model === undefined) {
      const c = this.config;
      model = new FloorModel(this.topo, floor, {
        pathLossExponent: c.pathLossExponent,
        wallLossDb: c.bleWallLossDb,
        heightM: c.bleGatewayHeightM,
        gridM: c.bleGridM,
        rangeM: c.bleRangeM,
        searchM: c.bleSearchM,
        audibleLossDb: c.defaultTxPower - BLE_SENSITIVITY_DBM - 15,
        defaultTxPower: c.defaultTxPower,
        sigmaDb: c.bleSigmaDb,
        sensitivityDbm: BLE_SENSITIVITY_DBM,
      });
      this.models[floor] = model;
      if (this.pointCost.length < model.pointCount) this.pointCost = new Float64Array(model.pointCount);
    }
    return model;
  }

  /** Source -> local gateway index of the model (built once per model). */
  private localOf(model: FloorModel): Int32Array {
    let local = this.locals.get(model);
    if (local === undefined) {
      local = new Int32Array(this.topo.sourceCount).fill(-1);
      model.gateways.forEach((s, i) => (local![s] = i));
      this.locals.set(model, local);
    }
    return local;
  }

  /** Moves the gateways of `floor` to the front of gw*, strongest first; returns how many (<= max). */
  private strongestOnFloor(floor: number, ng: number, max: number): number {
    const topo = this.topo;
    const src = this.gwSrc;
    const rssi = this.gwRssi;
    let k = 0;
    // Insertion into the sorted prefix [0, k); k <= i, so only entries already visited are overwritten.
    for (let i = 0; i < ng; i++) {
      const s = src[i];
      const r = rssi[i];
      const n = this.gwReadings[i];
      if (topo.srcFloor[s] !== floor) continue;
      let j: number;
      if (k < max) j = k++;
      else if (r > rssi[max - 1]) j = max - 1;
      else continue;
      while (j > 0 && rssi[j - 1] < r) {
        src[j] = src[j - 1];
        rssi[j] = rssi[j - 1];
        this.gwReadings[j] = this.gwReadings[j - 1];
        j--;
      }
      src[j] = s;
      rssi[j] = r;
      this.gwReadings[j] = n;
    }
    return k;
  }

  private firstInWindow(tag: TagState, hi: number, from: number): number {
    let i = hi;
    while (i > tag.head && tag.times[i - 1] > from) i--;
    return i;
  }

  /** Places the tag in a zone at once (first fix, or a floor change already confirmed). */
  private place(tag: TagState, zone: number, since: number, tech: number): void {
    const d = tag.d;
    if (d[ZONE] !== zone) {
      d[ZONE] = zone;
      d[ZONE_SINCE] = since;
    }
    d[CAND] = -1;
    d[TECH] = tech;
  }

  /** Minimum dwell: the leader must lead without a break for dwellMs before the tag moves. */
  private dwellStep(tag: TagState, leader: number, g: number, dwellMs: number): void {
    const d = tag.d;
    if (leader === d[ZONE]) {
      d[CAND] = -1;
      return;
    }
    if (d[CAND] !== leader) {
      d[CAND] = leader;
      d[CAND_SINCE] = g;
    }
    if (g - d[CAND_SINCE] >= dwellMs) {
      d[ZONE] = leader;
      d[ZONE_SINCE] = d[CAND_SINCE];
      d[CAND] = -1;
    }
  }

  /** Emits LocationChanged when the decided zone differs from the one last emitted. */
  private emitIfChanged(tag: TagState, g: number): void {
    const d = tag.d;
    if (d[ZONE] < 0) return;
    const zone = this.topo.zones[d[ZONE]];
    if (!tag.emittedLost && tag.emittedZoneId === zone.id) return;
    // A replay does not re-emit what was already said up to the last emitted change.
    if (g <= tag.emittedGrid) return;
    const fix = this.buildFix(tag);
    const from =
      tag.emittedZoneId === null || tag.emittedFloorId === null
        ? null
        : {
            zoneId: tag.emittedZoneId,
            floorId: tag.emittedFloorId,
            since: tag.emittedSince,
            until: tag.emittedLost && tag.lostFix ? tag.lostFix.seenAt : Math.max(tag.emittedSince, fix.zoneSince),
          };
    tag.emittedZoneId = fix.zoneId;
    tag.emittedFloorId = fix.floorId;
    tag.emittedSince = fix.zoneSince;
    tag.emittedLost = false;
    tag.lostFix = null;
    tag.emittedGrid = g;
    this.push(g, { type: 'LocationChanged', tagId: tag.tagId, from, fix });
  }

  private markLost(tag: TagState, at: number): void {
    const fix = tag.d[ZONE] >= 0 ? this.buildFix(tag) : null;
    const lost: TagFix = fix
      ? { ...fix, state: 'lost' }
      : {
          tagId: tag.tagId,
          tech: 'rfid',
          zoneId: tag.emittedZoneId!,
          floorId: tag.emittedFloorId!,
          x: 0,
          y: 0,
          confidence: 0,
          zoneSince: tag.emittedSince,
          seenAt: tag.newest,
          state: 'lost',
        };
    // The open stay ends when the tag was last heard.
    lost.zoneId = tag.emittedZoneId!;
    lost.floorId = tag.emittedFloorId!;
    lost.zoneSince = tag.emittedSince;
    tag.emittedLost = true;
    tag.lostFix = lost;
    tag.dropBefore = Math.max(tag.dropBefore, tag.newest);
    tag.prune(Infinity);
    resetDecision(tag.d, Math.max(tag.d[GRID], this.gridCeil(tag.newest)));
    tag.clearSnapshots();
    this.push(at, { type: 'TagLost', tagId: tag.tagId, fix: { ...lost }, at });
  }

  private buildFix(tag: TagState): TagFix {
    const d = tag.d;
    const zone = this.topo.zones[d[ZONE]];
    return {
      tagId: tag.tagId,
      tech: d[TECH] === TECH_BLE ? 'ble' : 'rfid',
      zoneId: zone.id,
      floorId: this.topo.floorIds[zone.floor],
      x: round3(d[X]),
      y: round3(d[Y]),
      confidence: round3(d[CONF]),
      zoneSince: d[ZONE_SINCE],
      seenAt: d[SEEN_AT] === -Infinity ? tag.newest : d[SEEN_AT],
      state: 'present',
    };
  }

  private push(at: number, event: LocationEvent): void {
    this.out.push({ at, seq: this.eventSeq++, event });
  }

  private drain(): LocationEvent[] {
    const out = this.out;
    if (out.length === 0) return [];
    out.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const events = out.map((e) => e.event);
    this.out = [];
    return events;
  }

  private windowMax(): number {
    const c = this.config;
    return Math.max(c.rfidWindowMs, c.bleWindowMs, c.portalWindowMs);
  }

  /** How much history a tag keeps: the longest window, reachable from the oldest instant a late read can rewrite. */
  private retainMs(): number {
    const c = this.config;
    return Math.max(this.windowMax(), c.bleStillWindowMs) + c.lateWindowMs + c.evalStepMs * (SNAPSHOT_EVERY_STEPS + 1);
  }

  private gridCeil(t: number): number {
    const step = this.config.evalStepMs;
    return Math.ceil(t / step) * step;
  }

  private gridFloor(t: number): number {
    const step = this.config.evalStepMs;
    return Math.floor(t / step) * step;
  }

  private sizeScratch(): void {
    const zones = this.topo.zones.length;
    this.zoneAcc = new Float64Array(zones);
    this.zoneCount = new Int32Array(zones);
    this.zoneFirst = new Float64Array(zones);
    this.zonePeak = new Float64Array(zones);
    this.zoneLast = new Float64Array(zones);
    this.portalIn = new Float64Array(zones);
    this.portalOut = new Float64Array(zones);
    this.zoneTouched = new Int32Array(zones);
    this.floorTop1 = new Float64Array(this.topo.floorIds.length);
    this.floorTop2 = new Float64Array(this.topo.floorIds.length);
    const sources = Math.max(1, this.topo.sourceCount);
    this.slotOf = new Int32Array(sources).fill(-1);
    this.gwVals = new Float64Array(sources * READINGS_PER_GATEWAY);
    this.gwCount = new Int32Array(sources);
    this.gwSrc = new Int32Array(sources);
    this.gwRssi = new Float64Array(sources);
    this.gwDist = new Float64Array(sources);
    this.gwReadings = new Int32Array(sources);
    this.gwLocal = new Int32Array(sources);
    this.gwScale = new Float64Array(sources);
  }
}

/** Median of vals[from, from + n), n >= 1; sorts that slice in place (n is small). */
function median(vals: Float64Array, from: number, n: number): number {
  for (let i = from + 1; i < from + n; i++) {
    const v = vals[i];
    let j = i - 1;
    while (j >= from && vals[j] > v) {
      vals[j + 1] = vals[j];
      j--;
    }
    vals[j + 1] = v;
  }
  const m = from + (n >> 1);
  return n % 2 === 1 ? vals[m] : (vals[m - 1] + vals[m]) / 2;
}

/** A floor's strength: the mean of its two strongest gateways (one gateway alone counts 5 dB less). */
function floorScore(top1: number, top2: number): number {
  return top2 === -Infinity ? top1 - 5 : (top1 + top2) / 2;
}

/** The margin an RFID zone read by no other antenna in the window is credited with, dB. */
const UNCHALLENGED_MARGIN_DB = 30;

/**
 * RFID confidence: how clearly the zone leads (margin in dB over the next zone, 0.5 at a tie,
 * -> 1 as the margin grows, below 0.5 while hysteresis holds a zone that no longer leads) times
 * how much evidence there is (1 - 0.5^reads).
 */
export function rfidConfidence(marginDb: number, reads: number): number {
  const m = marginDb >= 0 ? 1 - 0.5 * Math.exp(-marginDb / 6) : 0.5 * Math.exp(marginDb / 6);
  return m * (1 - Math.pow(0.5, reads));
}

/**
 * BLE confidence: gateways heard (min(1, n/3)) x agreement of their ranges with the estimate
 * (1 / (1 + (rms/5 m)^2)) x how far inside the zone the point is (0.5 + 0.5 * min(1, depth/1.5 m);
 * 0.25 while the estimate lies in another zone that has not yet won the dwell).
 */
export function bleConfidence(gateways: number, spreadM: number, depthM: number, inZone: boolean): number {
  const g = Math.min(1, gateways / 3);
  const s = 1 / (1 + (spreadM / 5) * (spreadM / 5));
  const i = inZone ? 0.5 + 0.5 * Math.min(1, depthM / 1.5) : 0.25;
  return g * s * i;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
