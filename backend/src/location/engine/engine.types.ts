/**
 * The location engine's contract: pure data in, pure data out. No Nest, no I/O, no clock —
 * `now` is always passed in. The worker builds an EngineTopology from the database, feeds
 * each batch's observations in, persists the events that come out, and rebuilds the engine
 * from the stored fixes after a restart.
 */

/** One tag heard once by one device (the queue's TagObservation plus the device that heard it). */
export interface EngineObservation {
  tagId: string;
  tech: 'rfid' | 'ble';
  deviceId: string;
  /** RFID antenna port (1-based); null for BLE gateways. */
  antenna: number | null;
  /** dBm; null when the device does not report it. */
  rssi: number | null;
  /** When the device heard the tag (its own clock), epoch ms. */
  seenAt: number;
  /** BLE: the beacon's calibrated power at 1 m (iBeacon measured power), dBm, when its frame carries it. */
  txPower?: number;
}

export type Point = readonly [number, number];

export interface EngineZone {
  id: string;
  floorId: string;
  /** One of the shared zone kinds (room, bay, corridor, doorway, cabinet, ...). */
  kind: string;
  /** Polygon in floor metres (not closed: the last point joins the first). */
  polygon: readonly Point[];
  /** Marker anchor in floor metres. */
  centroid: Point;
}

export interface EngineAntenna {
  deviceId: string;
  port: number;
  zoneId: string;
  floorId: string;
  /** Doorway portals: which side of the door this antenna reads; null for ordinary antennas. */
  side: 'inside' | 'outside' | null;
}

export interface EngineGateway {
  deviceId: string;
  floorId: string;
  x: number;
  y: number;
}

export interface EngineFloor {
  id: string;
  /** Storey number (0 = ground); used for floor hysteresis and vertical travel. */
  level: number;
}

export interface EngineTopology {
  floors: readonly EngineFloor[];
  zones: readonly EngineZone[];
  antennas: readonly EngineAntenna[];
  gateways: readonly EngineGateway[];
}

/** A tag's current location as the engine believes it. */
export interface TagFix {
  tagId: string;
  tech: 'rfid' | 'ble';
  zoneId: string;
  floorId: string;
  /** Floor metres: the BLE position estimate (snapped into the zone), or the zone anchor for RFID. */
  x: number;
  y: number;
  /** 0..1; how it is computed is documented in docs/location-engine.md. */
  confidence: number;
  /** Since when the tag is in this zone (its own time), epoch ms. */
  zoneSince: number;
  /** Newest evidence for this fix (device time), epoch ms. Age = now - seenAt. */
  seenAt: number;
  /**
   * 'present' while the tag is heard; 'lost' once it has not been heard for `lostAfterMs`:
   * the fix then reads "last seen at <zone> at <seenAt>" rather than a live location.
   */
  state: 'present' | 'lost';
}

export type LocationEvent =
  /** The tag entered a zone (first fix, or a confirmed move), or a lost tag was heard again. */
  | {
      type: 'LocationChanged';
      tagId: string;
      /** Where it was before (null on a first fix). */
      from: { zoneId: string; floorId: string; since: number; until: number } | null;
      fix: TagFix;
    }
  /** Not heard for lostAfterMs: the fix stays as "last seen"; the open stay ends at fix.seenAt. */
  | { type: 'TagLost'; tagId: string; fix: TagFix; at: number }
  /** A doorway portal pair saw the tag pass: 'entered' = outside -> inside, 'left' = inside -> outside. */
  | { type: 'DoorwayCrossed'; tagId: string; zoneId: string; direction: 'entered' | 'left'; at: number };

export interface EngineConfig {
  /** RFID: reads within this long count as the same moment when comparing antennas. */
  rfidWindowMs: number;
  /** RFID: a challenger antenna must beat the current zone's evidence by this many dB... */
  rfidHysteresisDb: number;
  /** ...for at least this long before the tag moves (minimum dwell). */
  rfidDwellMs: number;
  /** RFID: a read counts this many dB less per second of age, so a zone that stopped reading the tag fades. */
  rfidDecayDbPerS: number;
  /** BLE: how far back smoothed RSSI per gateway looks; older readings are forgotten. */
  bleWindowMs: number;
  /**
   * BLE: the estimated zone must lead this long before the tag moves (model: not a strong leader
   * of a moving beacon, see bleStrongZoneRatio; centroid: always).
   */
  bleDwellMs: number;
  /** BLE: calibrated power at 1 m when the frame does not carry one, dBm. */
  defaultTxPower: number;
  /** BLE: log-distance path-loss exponent used to turn RSSI into distance. */
  pathLossExponent: number;
  /**
   * Observations older than the tag's newest by more than this are dropped as too late (by more
   * than this plus its posting interval for a device that posts in batches).
   */
  lateWindowMs: number;
  /**
   * A device whose batches come at least this far apart posts in batches: decisions wait for it
   * (see LocationEngine.delivered), ms...
   */
  batchPostMs: number;
  /** ...unless they come further apart than this (such a device is not waited for), ms. */
  maxBatchLagMs: number;
  /**
   * tick decides up to lateWindowMs before now, and up to right after a tag's newest read once
   * nothing newer has come for this long (the reads of that moment have all arrived).
   */
  tickQuietMs: number;
  /** A tag not heard for this long becomes 'lost' (last seen at). */
  lostAfterMs: number;
  /** Tags of supply units: read by a stock-location antenna, they are left to the stock engine. */
  isSupplyUnit: (tagId: string) => boolean;
  /**
   * Decisions are taken on a grid of device time (every evalStepMs, from the reads up to that
   * instant), so the outcome depends on the reads, not on how they were batched or ordered.
   */
  evalStepMs: number;
  /** RFID: signal assumed for a read whose reader reports no RSSI, dBm. */
  rfidNullRssiDbm: number;
  /** Doorway portals: which side of the door is the tag on — evidence within this long. */
  portalWindowMs: number;
  /** Doorway portals: outside then inside (or the reverse) within this long is a crossing. */
  doorwayCrossingMs: number;
  /** BLE: another floor's gateways must be stronger by this many dB (mean of the two strongest)... */
  bleFloorHysteresisDb: number;
  /** ...for at least this long before the tag changes floor. */
  bleFloorDwellMs: number;
  /** BLE: how many of the strongest gateways of the floor position the tag. */
  bleMaxGateways: number;
  /** BLE: a new zone counts as evidence only when the estimate lies this far inside it, metres. */
  bleZoneMarginM: number;
  /**
   * BLE: 'model' scores candidate points of the floor against the path-loss model (with walls)
   * and decides on zone probabilities; 'centroid' places the 1/d^2-weighted centroid of the
   * strongest gateways into the zone it falls in.
   */
  blePositioning: 'model' | 'centroid';
  /** BLE model: loss per wall (zone boundary) between gateway and tag, dB. */
  bleWallLossDb: number;
  /** BLE model: gateway mounting height above the tag, m. */
  bleGatewayHeightM: number;
  /** BLE model: spacing of the candidate points, m. */
  bleGridM: number;
  /** BLE model: gateways are predicted up to this far, m; candidates are sought within it of the strongest. */
  bleRangeM: number;
  /** BLE model: expected deviation of a smoothed reading from the model, dB. */
  bleSigmaDb: number;
  /** BLE: a gateway's smoothed signal is the median of its newest readings within the window, at most this many. */
  bleReadingsPerGateway: number;
  /** BLE: a beacon advertising slower than this is standing still... */
  bleStillIntervalMs: number;
  /** ...and then all its readings since it stopped count, up to this far back. */
  bleStillWindowMs: number;
  /** BLE model: candidate points are sought within this distance of the strongest gateway, m. */
  bleSearchM: number;
  /** BLE model: weight of "a gateway that should hear the beacon here did not" (0 ignores silence). */
  bleSilenceWeight: number;
  /**
   * BLE model: track the beacon between decisions — its filtered position, velocity and
   * uncertainty predict where it is now, and that prediction weighs the candidate points (a
   * Gaussian prior). False scores every decision on its window alone.
   */
  bleTracking: boolean;
  /** BLE track: how far a moving beacon strays from its predicted path, variance per axis, m^2 per second... */
  bleTrackNoise: number;
  /** ...plus this many seconds times its speed squared (a fast tag turns further off its line in a second). */
  bleTrackSpeedNoise: number;
  /** BLE track: weight of each decision's displacement in the smoothed velocity (0..1). */
  bleTrackVelocityGain: number;
  /** BLE track: a track not updated for this long is forgotten (the next decision starts afresh), ms. */
  bleTrackResetMs: number;
  /** BLE model: zone probability from its points' likelihoods: 'area' sums them (big zones favoured), 'zone' averages them (every zone equally likely a priori). */
  bleZonePrior: 'area' | 'zone';
  /**
   * BLE model: while a beacon moves (advertises quickly), a zone this many times as probable as
   * the current one takes over after bleDwellMs...
   */
  bleZoneRatio: number;
  /**
   * ...and a strong leader — this many times as probable, holding at least bleStrongZoneShare of
   * the probability — at once. While the beacon stands still (advertises slowly), only a strong
   * leader takes over, after bleDwellMs.
   */
  bleStrongZoneRatio: number;
  bleStrongZoneShare: number;
  /** Confidence halves for every this long without a read (age = now - seenAt). */
  confidenceHalfLifeMs: number;
  /** BLE: positions are computed at grid instants that are multiples of this (a multiple of evalStepMs). */
  bleEvalStepMs: number;
  /** Upper bound of buffered reads per tag (the oldest are forgotten first). */
  maxReadsPerTag: number;
  /** Reads stamped more than this far after `now` (a device clock far ahead) are dropped. */
  maxClockAheadMs: number;
}
