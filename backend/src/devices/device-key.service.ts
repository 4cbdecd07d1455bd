import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { DevicePrincipal } from '@backend/auth/principal';
import { hashDeviceKey, keyMatches, prefixOf } from './device-key';

const CACHE_MS = 10_000;

interface DeviceKeyRow {
  id: string;
  code: string;
  kind: string;
  vendor_format: string;
  /** The current key's hash, or the previous key's while its grace period after a rotation lasts. */
  key_hash: string;
  /** IANA time zone of the device's site; null while it is placed nowhere. */
  time_zone: string | null;
}

/**
 * Authenticates readers and gateways by API key. Successful look-ups are cached briefly so
 * the ingest hot path does not query the database per request; a revoked key stops working
 * within CACHE_MS (revocation also clears this process's cache at once).
 */
@Injectable()
export class DeviceKeyService {
  private readonly cache = new Map<string, { device: DevicePrincipal | null; until: number }>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async authenticate(key: string, now = Date.now()): Promise<DevicePrincipal | null> {
    const prefix = prefixOf(key);
    if (!prefix) return null;
    const cacheKey = hashDeviceKey(key);
    const hit = this.cache.get(cacheKey);
    if (hit && hit.until > now) return hit.device;
    // The site's time zone comes with the device: readers that send local times are read in it.
    const rows: DeviceKeyRow[] = await this.dataSource.query(
      `WITH candidate AS (
         SELECT id, code, kind, vendor_format, key_hash, floor_id FROM device
         WHERE key_prefix = $1 AND revoked_at IS NULL
         UNION ALL
         SELECT id, code, kind, vendor_format, previous_key_hash, floor_id FROM device
         WHERE previous_key_prefix = $1 AND previous_key_valid_until > now() AND revoked_at IS NULL)
       SELECT c.id, c.code, c.kind, c.vendor_format, c.key_hash, s.time_zone
       FROM candidate c
       LEFT JOIN floor f ON f.id = COALESCE(c.floor_id,
         (SELECT z.floor_id FROM antenna a JOIN zone z ON z.id = a.zone_id WHERE a.device_id = c.id LIMIT 1))
       LEFT JOIN building b ON b.id = f.building_id
       LEFT JOIN site s ON s.id = b.site_id`,
      [prefix],
    );
    const row = rows.find((r) => keyMatches(key, r.key_hash));
    const device: DevicePrincipal | null = row
      ? {
          type: 'device',
          id: row.id,
          code: row.code,
          kind: row.kind,
          vendorFormat: row.vendor_format,
          timeZone: row.time_zone,
        }
      : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { device, until: now + CACHE_MS });
    return device;
  }

  forget(deviceId: string): void {
    for (const [k, v] of this.cache) if (v.device?.id === deviceId) this.cache.delete(k);
  }
}
