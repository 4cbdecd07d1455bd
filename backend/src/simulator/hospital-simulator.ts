import { distanceToPolygon, wallCrossings, type Xy } from './geometry';
import { type Hospital, portalSide, type SimAntenna, type SimGateway } from './hospital';
import { DEFAULT_MOVEMENT, DESTINATION_WEIGHTS, Itinerary, type MovementOptions, type TruthFix } from './movement';
import { meanBleRssi, type RadioSettings } from './radio';
import { deriveSeed, type Random, seededRandom } from './random';

/**
 * A hospital with tagged equipment moving through it and the radio infrastructure hearing it.
 * Pure: time and the seed are passed in, nothing is read or written outside; the same seed, tags
 * and tick times always give the same observations. It knows where every tag truly is.
 */

/** What one device would post about one tag it heard (the engine's observation shape). */
export interface SimulatedObservation {
  tagId: string;
  tech: 'rfid' | 'ble';
  deviceId: string;
  antenna: number | null;
  rssi: number;
  seenAt: number;
  /** BLE: the beacon's measured power at 1 m, carried in its iBeacon frame. */
  txPower?: number;
}

export interface BleTagSpec {
  tagId: string;
  /** Measured power at 1 m, dBm; -59 by default (a typical iBeacon asset tag). */
  txPower?: number;
}

export interface SimulatorOptions {
  seed: number;
  radio: RadioSettings;
  /** Simulation start, epoch ms. */
  start: number;
  /** RFID-tagged equipment: read by antennas, only ever left in zones with an antenna. */
  rfidTags?: readonly string[];
  bleTags?: readonly BleTagSpec[];
  movement?: Partial<MovementOptions>;
  /** RFID read cycle of every reader, ms (1 s). */
  readCycleMs?: number;
  /** BLE advertising interval while moving (1 s) and the range while still (3-5 s). */
  movingIntervalMs?: number;
  stillIntervalMs?: readonly [number, number];
}

export const DEFAULT_TX_POWER = -59;
/** Walls are counted on the line from a gateway to the tag's position rounded to this grid (cached). */
const WALL_GRID_M = 0.5;
/** Readings this far below the sensitivity floor on average are not worth drawing noise for. */
const PRUNE_SIGMAS = 4;

interface BleTag {
  tagId: string;
  txPower: number;
  itinerary: Itinerary;
  nextBeacon: number;
}

interface RfidTag {
  tagId: string;
  itinerary: Itinerary;
}

export class HospitalSimulator {
  private readonly radioRandom: Random;
  private readonly bleTags: BleTag[] = [];
  private readonly rfidTags: RfidTag[] = [];
  private readonly itineraries = new Map<string, Itinerary>();
  private readonly wallGrids: ({ cols: number; rows: number; walls: Int16Array } | undefined)[] = [];
  private readonly levelOf: ReadonlyMap<string, number>;
  private readonly gatewaysByLevel = new Map<number, { gateway: SimGateway; index: number }[]>();
  private readonly readCycleMs: number;
  private readonly movingIntervalMs: number;
  private readonly stillIntervalMs: readonly [number, number];
  private lastTick: number;
  /** Advertisements sent by all BLE tags so far (heard or not). */
  beaconsSent = 0;

  constructor(
    readonly hospital: Hospital,
    private readonly options: SimulatorOptions,
  ) {
    this.radioRandom = seededRandom(deriveSeed(options.seed, 'radio'));
    this.readCycleMs = options.readCycleMs ?? 1_000;
    this.movingIntervalMs = options.movingIntervalMs ?? 1_000;
    this.stillIntervalMs = options.stillIntervalMs ?? [3_000, 5_000];
    this.lastTick = options.start;
    this.levelOf = new Map(hospital.floors.map((f) => [f.id, f.level]));
    const movement = { ...DEFAULT_MOVEMENT, ...options.movement };

    const withDoors = hospital.zones.filter((z) => (hospital.graph.doorsByZone.get(z.id)?.length ?? 0) > 0);
    const weighted = (z: (typeof withDoors)[number]) => ({ zone: z, weight: DESTINATION_WEIGHTS[z.kind] ?? 0 });
    const bleDestinations = withDoors.map(weighted).filter((d) => d.weight > 0);
    // RFID equipment is only left where a reader can see it (and is walked through portals to the dock).
    const rfidDestinations = withDoors
      .map(weighted)
      .filter((d) => d.weight > 0 && (hospital.antennasByZone.has(d.zone.id) || d.zone.kind === 'loading_dock'));

    for (const tagId of options.rfidTags ?? []) {
      const itinerary = new Itinerary(
        hospital,
        rfidDestinations,
        seededRandom(deriveSeed(options.seed, tagId)),
        movement,
        options.start,
      );
      this.itineraries.set(tagId, itinerary);
      this.rfidTags.push({ tagId, itinerary });
    }
    for (const spec of options.bleTags ?? []) {
      const random = seededRandom(deriveSeed(options.seed, spec.tagId));
      const itinerary = new Itinerary(hospital, bleDestinations, random, movement, options.start);
      this.itineraries.set(spec.tagId, itinerary);
      this.bleTags.push({
        tagId: spec.tagId,
        txPower: spec.txPower ?? DEFAULT_TX_POWER,
        itinerary,
        nextBeacon: options.start + Math.floor(random.between(0, this.stillIntervalMs[1])),
      });
    }
    hospital.gateways.forEach((gateway, index) => {
      const list = this.gatewaysByLevel.get(gateway.level) ?? [];
      list.push({ gateway, index });
      this.gatewaysByLevel.set(gateway.level, list);
    });
  }

  /** Every simulated tag id. */
  get tagIds(): string[] {
    return [...this.itineraries.keys()];
  }

  /** Where a tag truly is at time t, or undefined for a tag the simulator does not know. */
  truth(tagId: string, t: number): TruthFix | undefined {
    return this.itineraries.get(tagId)?.at(t);
  }

  /** The tag's itinerary (stages of standing and walking), for the benchmark and tests. */
  itinerary(tagId: string): Itinerary | undefined {
    return this.itineraries.get(tagId);
  }

  /**
   * Everything heard since the previous tick, up to and including `now`: per device, the
   * observations it would post, in the order it heard them.
   */
  tick(now: number): Map<string, SimulatedObservation[]> {
    const byDevice = new Map<string, SimulatedObservation[]>();
    const emit = (o: SimulatedObservation) => {
      const list = byDevice.get(o.deviceId);
      if (list) list.push(o);
      else byDevice.set(o.deviceId, [o]);
    };
    const start = this.options.start;
    const firstCycle = start + (Math.floor((this.lastTick - start) / this.readCycleMs) + 1) * this.readCycleMs;
    for (let cycle = firstCycle; cycle <= now; cycle += this.readCycleMs)
      for (const tag of this.rfidTags) this.readRfid(tag, cycle, emit);
    for (const tag of this.bleTags) {
      while (tag.nextBeacon <= now) {
        const at = tag.nextBeacon;
        const fix = tag.itinerary.at(at);
        this.hearBeacon(tag, fix, at, emit);
        this.beaconsSent++;
        tag.nextBeacon = at + this.beaconInterval(tag, fix, at);
      }
    }
    this.lastTick = Math.max(this.lastTick, now);
    for (const list of byDevice.values()) list.sort((a, b) => a.seenAt - b.seenAt);
    return byDevice;
  }

  /** 1 Hz while moving; 3-5 s while still, but the motion sensor wakes the tag when it is picked up. */
  private beaconInterval(tag: BleTag, fix: TruthFix, at: number): number {
    if (fix.moving) return this.movingIntervalMs;
    const interval = Math.round(this.radioRandom.between(this.stillIntervalMs[0], this.stillIntervalMs[1]));
    const stage = tag.itinerary.stageAt(at);
    return stage.t1 < at + interval ? Math.max(1, Math.ceil(stage.t1 - at)) : interval;
  }

  private hearBeacon(tag: BleTag, fix: TruthFix, at: number, emit: (o: SimulatedObservation) => void): void {
    const ble = this.options.radio.ble;
    const level = this.levelOf.get(fix.floorId) ?? 0;
    const floor = ble.sensitivityDbm - PRUNE_SIGMAS * ble.shadowingSigmaDb;
    const h2 = ble.heightDifferenceM * ble.heightDifferenceM;
    for (let l = level - 1; l <= level + 1; l++) {
      const list = this.gatewaysByLevel.get(l);
      if (!list) continue;
      const storeys = Math.abs(l - level);
      // Beyond this distance even a wall-free line is too weak to be heard.
      const reach = Math.pow(10, (tag.txPower - ble.floorLossDb * storeys - floor) / (10 * ble.pathLossExponent));
      const reach2 = reach * reach;
      for (const { gateway, index } of list) {
        const dx = gateway.x - fix.x;
        const dy = gateway.y - fix.y;
        const d2 = dx * dx + dy * dy;
        if (d2 + h2 > reach2) continue;
        const walls = storeys === 0 ? this.wallsBetween(index, gateway, fix) : 0;
        const mean = meanBleRssi(ble, tag.txPower, Math.sqrt(d2), walls, storeys);
        if (mean < floor) continue;
        if (this.radioRandom.next() < ble.packetLoss) continue;
        const rssi = Math.round(mean + ble.shadowingSigmaDb * this.radioRandom.normal());
        if (rssi < ble.sensitivityDbm) continue;
        emit({
          tagId: tag.tagId,
          tech: 'ble',
          deviceId: gateway.deviceId,
          antenna: null,
          rssi,
          seenAt: at,
          txPower: tag.txPower,
        });
      }
    }
  }

  /** Zone boundaries crossed by the line gateway -> tag; a boundary drawn by two zones counts once. */
  private wallsBetween(index: number, gateway: SimGateway, fix: TruthFix): number {
    let grid = this.wallGrids[index];
    if (!grid) {
      const floor = this.hospital.floors.find((f) => f.id === gateway.floorId)!;
      const cols = Math.ceil(floor.widthM / WALL_GRID_M) + 1;
      const rows = Math.ceil(floor.heightM / WALL_GRID_M) + 1;
      grid = { cols, rows, walls: new Int16Array(cols * rows).fill(-1) };
      this.wallGrids[index] = grid;
    }
    const qx = Math.max(0, Math.min(grid.cols - 1, Math.round(fix.x / WALL_GRID_M)));
    const qy = Math.max(0, Math.min(grid.rows - 1, Math.round(fix.y / WALL_GRID_M)));
    const cell = qx * grid.rows + qy;
    if (grid.walls[cell] < 0)
      grid.walls[cell] = countWalls(
        this.hospital.walls.get(gateway.floorId)!,
        [gateway.x, gateway.y],
        [qx * WALL_GRID_M, qy * WALL_GRID_M],
      );
    return grid.walls[cell];
  }

  private readRfid(tag: RfidTag, cycle: number, emit: (o: SimulatedObservation) => void): void {
    const fix = tag.itinerary.at(cycle);
    const rfid = this.options.radio.rfid;
    const rng = this.radioRandom;
    const p: Xy = [fix.x, fix.y];
    const read = (a: SimAntenna, cross: boolean) => {
      if (rng.next() >= (cross ? rfid.crossReadRate : 1 - rfid.missRate)) return;
      const mean = cross ? rfid.crossRssiMeanDbm : rfid.rssiMeanDbm;
      const rssi = clamp(mean + rfid.rssiSigmaDb * rng.normal(), cross ? -82 : -65, cross ? -64 : -50);
      // Every antenna of a read cycle reports the cycle time: where the tag was read is where it was then.
      emit({
        tagId: tag.tagId,
        tech: 'rfid',
        deviceId: a.deviceId,
        antenna: a.port,
        rssi: Math.round(rssi * 10) / 10,
        seenAt: cycle,
      });
    };
    const portal = this.hospital.portals.get(fix.zoneId);
    const side = portal ? portalSide(portal, p) : null;
    for (const a of this.hospital.antennasByZone.get(fix.zoneId) ?? []) read(a, a.side !== null && a.side !== side);
    for (const zoneId of this.hospital.neighbours.get(fix.zoneId) ?? []) {
      const antennas = this.hospital.antennasByZone.get(zoneId);
      if (!antennas) continue;
      const zone = this.hospital.zoneById.get(zoneId)!;
      if (distanceToPolygon(p, zone.polygon) > rfid.crossReadRangeM) continue;
      const near = this.hospital.portals.get(zoneId);
      const facing = near ? portalSide(near, p) : null;
      for (const a of antennas) if (a.side === null || a.side === facing) read(a, true);
    }
  }
}

/** Crossings of the segment a-b with the wall list, merged when closer than 10 cm along it. */
export function countWalls(walls: Float64Array, a: Xy, b: Xy): number {
  const ts = wallCrossings(walls, a, b);
  if (ts.length <= 1) return ts.length;
  const gap = 0.1 / Math.hypot(b[0] - a[0], b[1] - a[1]);
  let count = 1;
  for (let i = 1; i < ts.length; i++) if (ts[i] - ts[i - 1] > gap) count++;
  return count;
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}
