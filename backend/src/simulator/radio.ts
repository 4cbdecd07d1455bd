/**
 * The simulator's radio: how loud a BLE beacon is at a gateway, and how RFID antennas read.
 * The parameters are fixed and named (`noisy`, `clean`) so accuracy figures can be compared
 * from run to run; docs/simulator.md explains each one.
 */

export interface RadioSettings {
  name: string;
  ble: {
    /** Log-distance path-loss exponent n (2 = free space; 2.5-3 typical indoors). */
    pathLossExponent: number;
    /** Shadowing: standard deviation of the Gaussian noise added to every reading, dB. */
    shadowingSigmaDb: number;
    /** Loss per wall (zone boundary) crossed by the straight line gateway -> tag, dB. */
    wallLossDb: number;
    /** Loss per storey between gateway and tag, dB; gateways two or more storeys away never hear. */
    floorLossDb: number;
    /** Probability that a gateway misses one advertisement (collisions, scanning gaps). */
    packetLoss: number;
    /** Readings weaker than this are not reported, dBm. */
    sensitivityDbm: number;
    /** Gateway mounting height above the tag, m (ceiling gateway, tag at bed/trolley height). */
    heightDifferenceM: number;
  };
  rfid: {
    /** Probability an antenna misses a tag in its own zone in one read cycle. */
    missRate: number;
    /** Probability an antenna reads a tag just outside its zone (a neighbour zone) in one cycle. */
    crossReadRate: number;
    /** How far outside its zone an antenna can still cross-read, m. */
    crossReadRangeM: number;
    /** Own-zone reads: mean and standard deviation of the RSSI, dBm; clamped to [-65, -50]. */
    rssiMeanDbm: number;
    rssiSigmaDb: number;
    /** Cross-reads: mean RSSI, dBm (same deviation), clamped to [-82, -64]. */
    crossRssiMeanDbm: number;
  };
}

/** A busy ward: walls, people and trolleys; what a real install sees. */
export const NOISY_RADIO: RadioSettings = {
  name: 'noisy',
  ble: {
    pathLossExponent: 2.7,
    shadowingSigmaDb: 6,
    wallLossDb: 4,
    floorLossDb: 18,
    packetLoss: 0.2,
    sensitivityDbm: -95,
    heightDifferenceM: 1.5,
  },
  rfid: {
    missRate: 0.1,
    crossReadRate: 0.2,
    crossReadRangeM: 2,
    rssiMeanDbm: -58,
    rssiSigmaDb: 3,
    crossRssiMeanDbm: -72,
  },
};

/** A quiet night: the same building with little interference. */
export const CLEAN_RADIO: RadioSettings = {
  name: 'clean',
  ble: {
    pathLossExponent: 2.2,
    shadowingSigmaDb: 2,
    wallLossDb: 3,
    floorLossDb: 18,
    packetLoss: 0.02,
    sensitivityDbm: -95,
    heightDifferenceM: 1.5,
  },
  rfid: {
    missRate: 0.02,
    crossReadRate: 0.05,
    crossReadRangeM: 2,
    rssiMeanDbm: -56,
    rssiSigmaDb: 2,
    crossRssiMeanDbm: -72,
  },
};

export const RADIO_SETTINGS: Readonly<Record<'noisy' | 'clean', RadioSettings>> = {
  noisy: NOISY_RADIO,
  clean: CLEAN_RADIO,
};

/**
 * Mean received power before shadowing: txPower - 10 n log10(d) - wallLoss * walls - floorLoss * storeys,
 * with d the 3-D distance in metres (at least 1 m: txPower is the power measured at 1 m).
 */
export function meanBleRssi(
  settings: RadioSettings['ble'],
  txPower: number,
  horizontalDistanceM: number,
  walls: number,
  storeys: number,
): number {
  const d = Math.max(
    1,
    Math.sqrt(horizontalDistanceM * horizontalDistanceM + settings.heightDifferenceM * settings.heightDifferenceM),
  );
  return (
    txPower -
    10 * settings.pathLossExponent * Math.log10(d) -
    settings.wallLossDb * walls -
    settings.floorLossDb * storeys
  );
}
