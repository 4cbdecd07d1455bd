import { Asset } from '../assets/asset.entity';
import { AuditLogEntry } from '../audit/audit-log.entity';
import { User } from '../auth/user.entity';
import { Antenna, Device } from '../devices/device.entities';
import { Building, Floor, Site, Zone } from '../facility/facility.entities';
import { InitialSchema1764100000000 } from './migrations/1764100000000-InitialSchema';
import { AuthSessionsAndThrottle1764200000000 } from './migrations/1764200000000-AuthSessionsAndThrottle';
import { DeviceHealth1764400000000 } from './migrations/1764400000000-DeviceHealth';

/** Every entity, listed explicitly (no glob loading: it breaks under bundlers and ESM). */
export const ENTITIES = [User, AuditLogEntry, Site, Building, Floor, Zone, Device, Antenna, Asset];

/** Every migration, in order. */
export const MIGRATIONS = [InitialSchema1764100000000, AuthSessionsAndThrottle1764200000000, DeviceHealth1764400000000];
