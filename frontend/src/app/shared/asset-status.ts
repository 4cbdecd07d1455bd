import type { AssetStatus } from '@wardtrack/contracts';

/** How an asset status looks wherever it is shown (map marker, list dot, legend). */
export interface StatusAppearance {
  /** What staff call it. */
  label: string;
  /** Marker fill and list dot colour. */
  colour: string;
}

/** One entry per status: adding a status to the contracts without a colour fails to compile. */
export const ASSET_STATUS_APPEARANCE: Readonly<Record<AssetStatus, StatusAppearance>> = {
  available: { label: 'Available', colour: '#1e8e3e' },
  in_use: { label: 'In use', colour: '#1a63c7' },
  needs_cleaning: { label: 'Needs cleaning', colour: '#e69500' },
  in_maintenance: { label: 'In maintenance', colour: '#6b7280' },
  missing: { label: 'Missing', colour: '#d12c2c' },
};

/** A tag not attached to any asset: grey like maintenance, but lighter and labelled differently. */
export const UNASSIGNED_TAG_APPEARANCE: StatusAppearance = { label: 'No asset linked', colour: '#a3acb8' };

/** Appearance of a tag's asset status, or of an unassigned tag when `status` is null. */
export function statusAppearance(status: AssetStatus | null): StatusAppearance {
  return status === null ? UNASSIGNED_TAG_APPEARANCE : ASSET_STATUS_APPEARANCE[status];
}
