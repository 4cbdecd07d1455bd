import type { EngineConfig } from './engine.types';

/**
 * A supply unit's tag: an SGTIN-96 EPC (hex, header 0x30). Supplies carry item-level SGTINs;
 * equipment is tagged with GIAI/GRAI or BLE beacons.
 */
export function isSgtinSupplyUnit(tagId: string): boolean {
  return tagId.length === 24 && tagId.charCodeAt(0) === 51 /* '3' */ && tagId.charCodeAt(1) === 48; /* '0' */
}

/**
 * Defaults tuned on the simulated hospital (bench:accuracy); each is explained in
 * docs/location-engine.md.
 */
export const DEFAULT_ENGINE_CONFIG: Readonly<EngineConfig> = Object.freeze({
  rfidWindowMs: 4_000,
  rfidHysteresisDb: 6,
  rfidDwellMs: 1_000,
  rfidDecayDbPerS: 10,
  bleWindowMs: 2_000,
  bleDwellMs: 1_000,
  defaultTxPower: -59,
  pathLossExponent: 2.5,
  lateWindowMs: 2_000,
  batchPostMs: 1_500,
  maxBatchLagMs: 5_000,
  tickQuietMs: 500,
  lostAfterMs: 10 * 60_000,
  isSupplyUnit: isSgtinSupplyUnit,
  evalStepMs: 250,
  rfidNullRssiDbm: -60,
  portalWindowMs: 1_000,
  doorwayCrossingMs: 5_000,
  bleFloorHysteresisDb: 6,
  bleFloorDwellMs: 2_000,
  bleMaxGateways: 8,
  bleZoneMarginM: 0.5,
  blePositioning: 'model',
  bleWallLossDb: 3.5,
  bleGatewayHeightM: 1.5,
  bleGridM: 1,
  bleRangeM: 25,
  bleSigmaDb: 3,
  bleZoneRatio: 2,
  bleStrongZoneRatio: 5,
  bleStrongZoneShare: 0.7,
  bleReadingsPerGateway: 15,
  bleStillWindowMs: 60_000,
  bleStillIntervalMs: 2_000,
  bleSearchM: 15,
  bleSilenceWeight: 1,
  bleTracking: true,
  bleTrackNoise: 0.25,
  bleTrackSpeedNoise: 0.5,
  bleTrackVelocityGain: 0.3,
  bleTrackResetMs: 10_000,
  bleZonePrior: 'zone',
  confidenceHalfLifeMs: 2 * 60_000,
  bleEvalStepMs: 1_000,
  maxReadsPerTag: 256,
  maxClockAheadMs: 5 * 60_000,
});

/** Confidence of a fix `now`: the confidence it had when last heard, halved every confidenceHalfLifeMs since. */
export function confidenceAt(
  confidence: number,
  seenAt: number,
  now: number,
  halfLifeMs = DEFAULT_ENGINE_CONFIG.confidenceHalfLifeMs,
): number {
  const age = now - seenAt;
  return age <= 0 ? confidence : confidence * Math.pow(0.5, age / halfLifeMs);
}
