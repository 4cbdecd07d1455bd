/**
 * The device_offline rule: which readers and gateways have gone silent, and which have come back.
 *
 * Pure: no clock, no database. The evaluator passes the devices, the unresolved device_offline
 * alerts and `now`, and writes the decisions.
 *
 * - A device is *silent* when it has not been heard for longer than `offlineAfterMs` (counted from
 *   its registration if it was never heard). A silent device without an alert gets one.
 * - A device with an alert that is heard again is marked "back since" its latest read; if it goes
 *   silent again before the alert resolves, the mark is cleared and the wait starts over.
 * - The alert resolves only once the device's reads span `onlineResolveMs` from "back since" with no
 *   silence in between. A single read after an outage resolves nothing: otherwise a device that
 *   posts now and then around the threshold would open and resolve an alert every few minutes.
 * - Revoked devices never alert; their alerts, and those of deleted devices, resolve.
 */

export interface DeviceOfflineSettings {
  /** Silence longer than this opens an alert. */
  offlineAfterMs: number;
  /** How long a device must be heard steadily before its alert resolves. */
  onlineResolveMs: number;
}

/** A reader or gateway as the rule sees it. */
export interface MonitoredDevice {
  id: string;
  code: string;
  name: string;
  siteId: string | null;
  /** The care unit its antennas cover, when they all cover one. */
  careUnit?: string | null;
  lastSeenAt: Date | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** What a device_offline alert keeps in its details (a type, not an interface: it is stored as a JSON object). */
export type DeviceOfflineDetails = {
  deviceName?: string;
  /** ISO time the device was last heard, null if never. */
  lastSeenAt?: string | null;
  /** ISO time the silence started (last heard, or registered). */
  silentSince?: string;
  /** ISO time of the first read seen after the outage, while the alert waits to resolve. */
  backSince?: string;
};

/** An unresolved (open or acknowledged) device_offline alert. */
export interface OpenDeviceOfflineAlert {
  deviceId: string;
  details: DeviceOfflineDetails;
}

export type DeviceOfflineDecision =
  | { action: 'open'; device: MonitoredDevice; details: DeviceOfflineDetails }
  | { action: 'keep'; deviceId: string }
  | { action: 'mark_back'; deviceId: string; backSince: Date }
  | { action: 'clear_back'; deviceId: string }
  | { action: 'resolve'; deviceId: string; reason: string };

export const RESOLVED_REVOKED = 'device revoked';
export const RESOLVED_REMOVED = 'device removed';
export const RESOLVED_BACK_ONLINE = 'device heard steadily again';

/**
 * One decision per unresolved alert (keep, mark_back, clear_back or resolve), plus `open` for each
 * silent device without one. Devices that are fine and have no alert get no decision.
 */
export function evaluateDeviceOffline(
  devices: readonly MonitoredDevice[],
  openAlerts: readonly OpenDeviceOfflineAlert[],
  now: Date,
  settings: DeviceOfflineSettings,
): DeviceOfflineDecision[] {
  const t = now.getTime();
  const alerts = new Map(openAlerts.map((a) => [a.deviceId, a]));
  const decisions: DeviceOfflineDecision[] = [];

  for (const device of devices) {
    const alert = alerts.get(device.id);
    alerts.delete(device.id);
    if (device.revokedAt !== null) {
      if (alert) decisions.push({ action: 'resolve', deviceId: device.id, reason: RESOLVED_REVOKED });
      continue;
    }
    const lastSeen = device.lastSeenAt?.getTime() ?? null;
    const heard = lastSeen !== null && t - lastSeen <= settings.offlineAfterMs;

    if (!alert) {
      const silentSince = lastSeen ?? device.createdAt.getTime();
      if (t - silentSince > settings.offlineAfterMs) {
        decisions.push({
          action: 'open',
          device,
          details: {
            deviceName: device.name,
            lastSeenAt: device.lastSeenAt?.toISOString() ?? null,
            silentSince: new Date(silentSince).toISOString(),
          },
        });
      }
      continue;
    }

    const marked = parseInstant(alert.details.backSince);
    if (!heard) {
      decisions.push(
        marked === null ? { action: 'keep', deviceId: device.id } : { action: 'clear_back', deviceId: device.id },
      );
      continue;
    }
    const backSince = marked ?? lastSeen;
    if (lastSeen - backSince >= settings.onlineResolveMs) {
      decisions.push({ action: 'resolve', deviceId: device.id, reason: RESOLVED_BACK_ONLINE });
    } else if (marked === null) {
      decisions.push({ action: 'mark_back', deviceId: device.id, backSince: new Date(backSince) });
    } else {
      decisions.push({ action: 'keep', deviceId: device.id });
    }
  }

  for (const orphan of alerts.values()) {
    decisions.push({ action: 'resolve', deviceId: orphan.deviceId, reason: RESOLVED_REMOVED });
  }
  return decisions;
}

/** Details come back from a jsonb column: anything but a readable ISO time counts as unset. */
function parseInstant(iso: unknown): number | null {
  if (typeof iso !== 'string') return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}
