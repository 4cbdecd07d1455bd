/**
 * The low_battery rule: which tags need a battery, and which have had theirs replaced.
 *
 * Pure: no clock, no database. The evaluator passes the tags' newest telemetry and the unresolved
 * low_battery alerts, and writes the decisions.
 *
 * - A tag whose battery is below `percent` or below `mv` (whichever it reports) gets an alert.
 * - The alert resolves only once every battery figure the tag reports is back at least
 *   PERCENT_HYSTERESIS / MV_HYSTERESIS above its threshold (the battery was replaced): a battery
 *   hovering around the threshold does not open and resolve an alert with every reading.
 * - A tag with an alert but no battery figure (yet) keeps its alert.
 */

export interface LowBatterySettings {
  /** Below this percentage, a battery is low. */
  percent: number;
  /** Below this voltage (mV), a battery is low. */
  mv: number;
}

export const PERCENT_HYSTERESIS = 5;
export const MV_HYSTERESIS = 100;
export const RESOLVED_BATTERY_OK = 'battery back above threshold (replaced)';

/** A tag's newest battery figures, with the asset it is attached to, if any. */
export interface TagBattery {
  tagId: string;
  batteryMv: number | null;
  batteryPercent: number | null;
  assetName: string | null;
  siteId?: string | null;
  careUnit?: string | null;
}

export type LowBatteryDetails = {
  batteryMv: number | null;
  batteryPercent: number | null;
  assetName: string | null;
};

export type LowBatteryDecision =
  | { action: 'open'; tag: TagBattery; label: string; details: LowBatteryDetails }
  | { action: 'keep'; tagId: string }
  | { action: 'resolve'; tagId: string; reason: string };

export function isLow(tag: TagBattery, settings: LowBatterySettings): boolean {
  return (
    (tag.batteryPercent !== null && tag.batteryPercent < settings.percent) ||
    (tag.batteryMv !== null && tag.batteryMv < settings.mv)
  );
}

/** Every reported figure is at least the hysteresis above its threshold, and there is one. */
export function isRecovered(tag: TagBattery, settings: LowBatterySettings): boolean {
  if (tag.batteryPercent === null && tag.batteryMv === null) return false;
  return (
    (tag.batteryPercent === null || tag.batteryPercent >= settings.percent + PERCENT_HYSTERESIS) &&
    (tag.batteryMv === null || tag.batteryMv >= settings.mv + MV_HYSTERESIS)
  );
}

/**
 * `open` for each low tag without an alert; `resolve` or `keep` for each tag with one. Tags that
 * are fine and have no alert get no decision.
 */
export function evaluateLowBattery(
  tags: readonly TagBattery[],
  alertedTagIds: readonly string[],
  settings: LowBatterySettings,
): LowBatteryDecision[] {
  const alerted = new Set(alertedTagIds);
  const decisions: LowBatteryDecision[] = [];
  for (const tag of tags) {
    if (alerted.delete(tag.tagId)) {
      decisions.push(
        isRecovered(tag, settings)
          ? { action: 'resolve', tagId: tag.tagId, reason: RESOLVED_BATTERY_OK }
          : { action: 'keep', tagId: tag.tagId },
      );
    } else if (isLow(tag, settings)) {
      decisions.push({
        action: 'open',
        tag,
        label: tag.assetName ?? tag.tagId,
        details: { batteryMv: tag.batteryMv, batteryPercent: tag.batteryPercent, assetName: tag.assetName },
      });
    }
  }
  for (const tagId of alerted) decisions.push({ action: 'keep', tagId });
  return decisions;
}
