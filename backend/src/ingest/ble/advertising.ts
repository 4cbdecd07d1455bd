/**
 * BLE advertising data as gateways forward it (raw hex of the AD structures), decoded into the
 * beacon frames asset tags send, and the one tag id scheme every BLE format uses:
 *
 * - iBeacon (manufacturer data 0xFF, company 0x004C, then 0x02 0x15):
 *   `IBEACON:<UUID upper-case with dashes>:<major>:<minor>`, major and minor in decimal;
 * - Eddystone-UID (service data 0x16, UUID 0xFEAA, frame 0x00):
 *   `EDDYSTONE:<namespace, 20 hex>:<instance, 12 hex>`, upper-case;
 * - anything else, Eddystone-URL and Eddystone-TLM included (a URL names a web page, not a tag;
 *   TLM only carries telemetry): `MAC:<AA:BB:CC:DD:EE:FF>`, upper-case.
 *
 * Telemetry (battery, temperature) comes from Eddystone-TLM and Ruuvi RAWv2 frames, and from the
 * fields some gateways decode themselves. Decoding never throws: a truncated or malformed AD
 * structure ends the walk (what was decoded before it is kept), unknown structures are skipped.
 */

import type { TagObservation } from '@backend/queue/queue.contract';

/** What a tag reports of itself besides its id. */
export interface BeaconTelemetry {
  batteryMv?: number;
  batteryPercent?: number;
  temperatureC?: number;
  /** As the gateway reports it (Cassia `bdaddrType`); absent when the gateway does not say. */
  addressType?: 'public' | 'random';
}

export interface IBeaconFrame {
  /** Upper-case, with dashes. */
  uuid: string;
  major: number;
  minor: number;
  /** Calibrated RSSI at 1 m, dBm (int8: `C5` is -59). */
  measuredPower: number;
}

export interface EddystoneUidFrame {
  /** Calibrated TX power at 0 m, dBm. */
  txPower: number;
  /** 20 hex digits, upper-case. */
  namespace: string;
  /** 12 hex digits, upper-case. */
  instance: string;
}

export interface EddystoneUrlFrame {
  txPower: number;
  url: string;
}

export interface EddystoneTlmFrame {
  version: number;
  /** Battery voltage in mV; null when the beacon does not report it (0). */
  batteryMv: number | null;
  /** Degrees Celsius from 8.8 fixed point; null when not supported (0x8000). */
  temperatureC: number | null;
  advertisingCount: number;
  /** Time since power-on, seconds (the frame counts 0.1 s). */
  uptimeSeconds: number;
}

/** Ruuvi RAWv2 (data format 5) sensor frame, manufacturer 0x0499. */
export interface RuuviFrame {
  temperatureC: number | null;
  batteryMv: number | null;
}

export interface AdStructure {
  type: number;
  data: Uint8Array;
}

export interface Advertising {
  structures: AdStructure[];
  name?: string;
  ibeacon?: IBeaconFrame;
  eddystoneUid?: EddystoneUidFrame;
  eddystoneUrl?: EddystoneUrlFrame;
  eddystoneTlm?: EddystoneTlmFrame;
  ruuvi?: RuuviFrame;
}

const AD_SHORT_NAME = 0x08;
const AD_COMPLETE_NAME = 0x09;
const AD_SERVICE_DATA_16 = 0x16;
const AD_MANUFACTURER = 0xff;
const APPLE = 0x004c;
const RUUVI = 0x0499;
const EDDYSTONE = 0xfeaa;

/** Longest advertising data decoded: extended advertising allows 1650 bytes; more is not BLE. */
const MAX_BYTES = 1650;

/**
 * Bytes of a hex string, or null when it is not hex. Whitespace inside is tolerated (one
 * documented Cassia example has a space in its `adData`), and so is a `0x` prefix.
 */
export function hexToBytes(hex: string): Uint8Array | null {
  const clean = hex.replace(/\s+/g, '').replace(/^0x/i, '');
  if (clean.length % 2 !== 0 || clean.length > MAX_BYTES * 2 || !/^[0-9A-Fa-f]*$/.test(clean)) return null;
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

/** A MAC in any usual spelling (`aabbccddeeff`, `AA:BB:..`, `aa-bb-..`) as `AA:BB:CC:DD:EE:FF`, or null. */
export function normaliseMac(mac: string): string | null {
  const clean = mac.replace(/[:-]/g, '');
  if (!/^[0-9A-Fa-f]{12}$/.test(clean)) return null;
  return clean.toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/** The AD structures (length, type, data), stopping at a zero length or a truncated structure. */
export function parseAdStructures(bytes: Uint8Array): AdStructure[] {
  const out: AdStructure[] = [];
  let i = 0;
  while (i < bytes.length) {
    const length = bytes[i];
    // Length 0 is the padding that ends significant data; a length past the end is truncated.
    if (length === 0 || i + 1 + length > bytes.length) break;
    out.push({ type: bytes[i + 1], data: bytes.subarray(i + 2, i + 1 + length) });
    i += 1 + length;
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

function int8(byte: number): number {
  return byte > 127 ? byte - 256 : byte;
}

function uint16be(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

function uint32be(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
}

function iBeacon(data: Uint8Array): IBeaconFrame | undefined {
  // company 4C 00 (little-endian), type 02, length 15, UUID(16) major(2) minor(2) power(1)
  if (data.length < 25 || data[2] !== 0x02 || data[3] !== 0x15) return undefined;
  const u = hex(data.subarray(4, 20));
  return {
    uuid: `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}`,
    major: uint16be(data, 20),
    minor: uint16be(data, 22),
    measuredPower: int8(data[24]),
  };
}

function ruuvi(data: Uint8Array): RuuviFrame | undefined {
  // company 99 04, then the RAWv2 payload: format 5, temperature int16 (0.005 °C), ..., power info at 13-14.
  const p = data.subarray(2);
  if (p.length < 24 || p[0] !== 0x05) return undefined;
  const rawTemp = uint16be(p, 1);
  const power = uint16be(p, 13);
  const battery = power >> 5;
  return {
    temperatureC: rawTemp === 0x8000 ? null : Math.round((rawTemp > 0x7fff ? rawTemp - 0x10000 : rawTemp) * 5) / 1000,
    batteryMv: battery === 2047 ? null : battery + 1600,
  };
}

const URL_SCHEMES = ['http://www.', 'https://www.', 'http://', 'https://'];
const URL_EXPANSIONS = [
  '.com/',
  '.org/',
  '.edu/',
  '.net/',
  '.info/',
  '.biz/',
  '.gov/',
  '.com',
  '.org',
  '.edu',
  '.net',
  '.info',
  '.biz',
  '.gov',
];

function eddystoneUrl(frame: Uint8Array): EddystoneUrlFrame | undefined {
  if (frame.length < 3 || frame[2] >= URL_SCHEMES.length) return undefined;
  let url = URL_SCHEMES[frame[2]];
  for (const b of frame.subarray(3)) {
    if (b < URL_EXPANSIONS.length) url += URL_EXPANSIONS[b];
    else if (b > 0x20 && b < 0x7f) url += String.fromCharCode(b);
    // 0x0E-0x20 and 0x7F-0xFF are reserved: skipped.
  }
  return { txPower: int8(frame[1]), url };
}

function eddystone(frame: Uint8Array): Pick<Advertising, 'eddystoneUid' | 'eddystoneUrl' | 'eddystoneTlm'> | undefined {
  switch (frame[0]) {
    case 0x00:
      if (frame.length < 18) return undefined;
      return {
        eddystoneUid: {
          txPower: int8(frame[1]),
          namespace: hex(frame.subarray(2, 12)),
          instance: hex(frame.subarray(12, 18)),
        },
      };
    case 0x10: {
      const url = eddystoneUrl(frame);
      return url && { eddystoneUrl: url };
    }
    case 0x20: {
      // Version 0 is the plain TLM; version 1 (encrypted) carries no readable values.
      if (frame.length < 14 || frame[1] !== 0x00) return undefined;
      const mv = uint16be(frame, 2);
      const t = uint16be(frame, 4);
      return {
        eddystoneTlm: {
          version: frame[1],
          batteryMv: mv === 0 ? null : mv,
          temperatureC: t === 0x8000 ? null : (t > 0x7fff ? t - 0x10000 : t) / 256,
          advertisingCount: uint32be(frame, 6),
          uptimeSeconds: uint32be(frame, 10) / 10,
        },
      };
    }
    default:
      return undefined;
  }
}

/** Decodes advertising data (bytes, or hex as gateways send it); never throws. */
export function decodeAdvertising(input: Uint8Array | string): Advertising {
  const bytes = typeof input === 'string' ? hexToBytes(input) : input;
  const adv: Advertising = { structures: bytes === null ? [] : parseAdStructures(bytes) };
  for (const { type, data } of adv.structures) {
    if (type === AD_COMPLETE_NAME || (type === AD_SHORT_NAME && adv.name === undefined)) {
      adv.name = Buffer.from(data).toString('utf8');
    } else if (type === AD_MANUFACTURER && data.length >= 2) {
      const company = data[0] | (data[1] << 8);
      if (company === APPLE) adv.ibeacon ??= iBeacon(data);
      else if (company === RUUVI) adv.ruuvi ??= ruuvi(data);
    } else if (type === AD_SERVICE_DATA_16 && data.length >= 3 && (data[0] | (data[1] << 8)) === EDDYSTONE) {
      Object.assign(adv, eddystone(data.subarray(2)));
    }
  }
  return adv;
}

/** The iBeacon tag id of a decoded frame (or of a gateway's own decoded fields). */
export function iBeaconTagId(uuid: string, major: number, minor: number): string | null {
  const u = uuid.replace(/-/g, '');
  if (!/^[0-9A-Fa-f]{32}$/.test(u)) return null;
  const U = u.toUpperCase();
  return `IBEACON:${U.slice(0, 8)}-${U.slice(8, 12)}-${U.slice(12, 16)}-${U.slice(16, 20)}-${U.slice(20)}:${major}:${minor}`;
}

/** The tag id of an advertiser: iBeacon, else Eddystone-UID, else `MAC:` its address. */
export function beaconTagId(mac: string, adv: Advertising): string {
  if (adv.ibeacon) return iBeaconTagId(adv.ibeacon.uuid, adv.ibeacon.major, adv.ibeacon.minor) as string;
  if (adv.eddystoneUid) return `EDDYSTONE:${adv.eddystoneUid.namespace}:${adv.eddystoneUid.instance}`;
  return `MAC:${mac}`;
}

/** Telemetry decoded from the frames, or undefined when none carries any. */
export function beaconTelemetry(adv: Advertising): BeaconTelemetry | undefined {
  const t: BeaconTelemetry = {};
  const source = adv.eddystoneTlm ?? adv.ruuvi;
  if (typeof source?.batteryMv === 'number') t.batteryMv = source.batteryMv;
  if (typeof source?.temperatureC === 'number') t.temperatureC = source.temperatureC;
  return Object.keys(t).length > 0 ? t : undefined;
}

/**
 * A battery value a gateway decoded itself, whose unit varies by vendor and firmware: at least
 * 1000 is mV, a fraction below 10 is volts, an integer 0-100 is percent; anything else is dropped.
 */
export function batteryTelemetry(value: number | undefined): BeaconTelemetry | undefined {
  if (value === undefined || !Number.isFinite(value) || value < 0) return undefined;
  if (value >= 1000 && value <= 10_000) return { batteryMv: Math.round(value) };
  if (!Number.isInteger(value) && value < 10) return { batteryMv: Math.round(value * 1000) };
  if (Number.isInteger(value) && value <= 100) return { batteryPercent: value };
  return undefined;
}

/**
 * The observation of one advertiser heard by a gateway. `mac` is already normalised; `extra`
 * is telemetry the gateway decoded itself, merged under what the frames carry.
 */
export function bleObservation(
  mac: string,
  adv: Advertising,
  rssi: number | null,
  seenAt: number,
  extra?: BeaconTelemetry,
): TagObservation {
  const telemetry = { ...extra, ...beaconTelemetry(adv) };
  const txPower = calibratedPowerAt1m(adv);
  return {
    tagId: beaconTagId(mac, adv),
    tech: 'ble',
    antenna: null,
    rssi,
    seenAt,
    ...(Object.keys(telemetry).length > 0 ? { telemetry } : {}),
    ...(txPower === undefined ? {} : { txPower }),
  };
}

/** Eddystone calibrates at 0 m; free-space loss over the first metre is about 41 dB. */
const EDDYSTONE_0M_TO_1M_DB = 41;

/** The beacon's own calibrated power at 1 m (what path-loss ranging needs), when its frames say. */
export function calibratedPowerAt1m(adv: Advertising): number | undefined {
  if (adv.ibeacon) return adv.ibeacon.measuredPower;
  const eddystone = adv.eddystoneUid ?? adv.eddystoneUrl;
  return eddystone ? eddystone.txPower - EDDYSTONE_0M_TO_1M_DB : undefined;
}
