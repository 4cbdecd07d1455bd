// The simulated hospital for the throughput benchmark: RFID readers (antennas on zones) and BLE
// gateways (points on floors), and N tags, most of them still, a few moving between zones. The
// load generator asks it for the next batch of reads of a device; Wardtrack and the peer get
// exactly the same reads (same seed, same schedule), only the wire format differs.

/** Deterministic PRNG (mulberry32), so every run and both systems see the same world. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Tags whose index ends in 0..(bleTenths - 1) are BLE beacons, the rest RFID tags (by index, so a
 * 1k world is a subset of a 10k one). Three in ten by default.
 */
export const isBleTag = (i, bleTenths = 3) => i % 10 < bleTenths;

/** Tag ids as the devices send them: EPC-96 hex for RFID, a 48-bit MAC for BLE (uppercase, as Wardtrack stores them). */
export function tagIdOf(i, ble) {
  return ble
    ? `C0FFEE${i.toString(16).toUpperCase().padStart(6, '0')}`
    : `E280116${i.toString(16).toUpperCase().padStart(17, '0')}`;
}

/** EUI-64 receiver id of a device antenna (or gateway): what barnowl calls a receiver. */
export function receiverIdOf(di, port) {
  return `001bc5${di.toString(16).padStart(8, '0')}${(port ?? 0).toString(16).padStart(2, '0')}`;
}

const BLE_HEARERS = 3;
const TX_POWER = -59;

/** Membership of tags in a device's field, with O(1) add/remove and a cursor to cycle through them. */
class Field {
  constructor() {
    this.tags = [];
    this.ports = [];
    this.rssi = [];
    this.pos = new Map();
    this.cursor = 0;
  }
  add(tag, port, rssi) {
    this.pos.set(tag, this.tags.length);
    this.tags.push(tag);
    this.ports.push(port);
    this.rssi.push(rssi);
  }
  remove(tag) {
    const i = this.pos.get(tag);
    if (i === undefined) return;
    const last = this.tags.length - 1;
    if (i !== last) {
      this.tags[i] = this.tags[last];
      this.ports[i] = this.ports[last];
      this.rssi[i] = this.rssi[last];
      this.pos.set(this.tags[i], i);
    }
    this.tags.pop();
    this.ports.pop();
    this.rssi.pop();
    this.pos.delete(tag);
  }
}

/**
 * devices: [{ kind: 'rfid_reader'|'ble_gateway', floorId, x, y, antennas: [{ port, zoneId, floorId }] }]
 * zones: [{ id, floorId, cx, cy }]
 *
 * Where a tag is depends only on (seed, tag, how many times it moved), and when a mover moves
 * only on (seed, tag) and the time since `epoch`: every load generator of a run, started at any
 * time, sees every tag where the previous one left it (no jump back at the start of a step).
 */
export class World {
  constructor({
    devices,
    zones,
    tags,
    seed = 42,
    moverShare = 0.1,
    bleTenths = 3,
    moveEveryMs = [20_000, 60_000],
    elapsedMs = 0,
  }) {
    this.seed = seed;
    this.random = prng(seed); // read noise only
    this.devices = devices;
    this.fields = devices.map(() => new Field());
    this.tagCount = tags;
    this.ble = Uint8Array.from({ length: tags }, (_, i) => (isBleTag(i, bleTenths) ? 1 : 0));
    this.tagIds = Array.from({ length: tags }, (_, i) => tagIdOf(i, this.ble[i] === 1));
    this.moveEveryMs = moveEveryMs;
    this.slots = [];
    devices.forEach((d, di) => {
      if (d.kind === 'rfid_reader')
        for (const a of d.antennas) this.slots.push({ device: di, port: a.port, zoneId: a.zoneId });
    });
    this.gatewaysByFloor = new Map();
    devices.forEach((d, di) => {
      if (d.kind !== 'ble_gateway') return;
      if (!this.gatewaysByFloor.has(d.floorId)) this.gatewaysByFloor.set(d.floorId, []);
      this.gatewaysByFloor.get(d.floorId).push(di);
    });
    this.bleZones = zones.filter((z) => this.gatewaysByFloor.has(z.floorId));
    this.where = new Array(tags);
    this.movers = [];
    this.moveCount = new Uint32Array(tags);
    this.nextMoveAt = new Float64Array(tags);
    this.pendingMove = new Uint8Array(tags);
    for (let i = 0; i < tags; i++) {
      const r = this.stream(i, 0);
      const mover = r() < moverShare;
      const firstMoveAt = r() * moveEveryMs[1];
      // Catch up with the moves made before this process started.
      let k = 0;
      let at = firstMoveAt;
      if (mover) {
        this.movers.push(i);
        while (at <= elapsedMs) {
          k++;
          at += this.interval(i, k);
        }
        this.nextMoveAt[i] = at;
      }
      this.moveCount[i] = k;
      this.place(i, k);
    }
  }

  /** The random stream of tag i after its k-th move. */
  stream(i, k) {
    return prng(
      (Math.imul(this.seed + 1, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b) ^ Math.imul(k + 1, 0xc2b2ae35)) >>> 0,
    );
  }

  interval(i, k) {
    const r = this.stream(i, k);
    r();
    r();
    return this.moveEveryMs[0] + r() * (this.moveEveryMs[1] - this.moveEveryMs[0]);
  }

  /** Puts tag i where its k-th move took it (k = 0: where it starts). */
  place(i, k) {
    const old = this.where[i];
    if (old) for (const di of old.devices) this.fields[di].remove(i);
    const r = this.stream(i, k);
    r();
    r();
    r();
    if (this.ble[i] === 1 && this.bleZones.length > 0) {
      const z = this.bleZones[Math.floor(r() * this.bleZones.length)];
      const x = z.cx + (r() - 0.5) * 2;
      const y = z.cy + (r() - 0.5) * 2;
      const near = this.gatewaysByFloor
        .get(z.floorId)
        .map((di) => ({ di, d: Math.hypot(this.devices[di].x - x, this.devices[di].y - y) }))
        .sort((a, b) => a.d - b.d)
        .slice(0, BLE_HEARERS);
      for (const { di, d } of near) this.fields[di].add(i, null, TX_POWER - 20 * Math.log10(Math.max(1, d)));
      this.where[i] = { zoneId: z.id, devices: near.map((n) => n.di) };
    } else {
      const s = this.slots[Math.floor(r() * this.slots.length)];
      this.fields[s.device].add(i, s.port, -45 - r() * 20);
      this.where[i] = { zoneId: s.zoneId, devices: [s.device] };
    }
  }

  /** Moves the movers whose time has come (ms since the run's epoch); returns how many changed zone. */
  moveDue(elapsedMs) {
    let moved = 0;
    for (const i of this.movers) {
      if (this.nextMoveAt[i] > elapsedMs) continue;
      const from = this.where[i].zoneId;
      const k = ++this.moveCount[i];
      this.place(i, k);
      this.nextMoveAt[i] += this.interval(i, k);
      if (this.where[i].zoneId !== from) {
        this.pendingMove[i] = 1;
        moved++;
      }
    }
    return moved;
  }

  /** Reads a device contributes per round (its share of the total rate). */
  weight(di) {
    return this.fields[di].tags.length;
  }

  /**
   * The next `size` reads of device di, cycling through the tags in its field; seenAt spread
   * over the last spanMs before now. onFirstEvidence(i) is called for a moved tag's first read
   * at its new place.
   */
  nextReads(di, size, now, spanMs, onFirstEvidence) {
    const f = this.fields[di];
    const out = [];
    if (f.tags.length === 0) return out;
    for (let k = 0; k < size; k++) {
      if (f.cursor >= f.tags.length) f.cursor = 0;
      const j = f.cursor++;
      const i = f.tags[j];
      if (this.pendingMove[i] === 1) {
        this.pendingMove[i] = 0;
        onFirstEvidence?.(i);
      }
      out.push({
        tag: i,
        port: f.ports[j],
        rssi: Math.round((f.rssi[j] + (this.random() - 0.5) * 4) * 10) / 10,
        seenAt: Math.round(now - spanMs + (spanMs * (k + 1)) / size),
      });
    }
    return out;
  }
}
