import { Alert } from '../alerts/alert.entity';
import { Asset } from '../assets/asset.entity';
import { AuditLogEntry } from '../audit/audit-log.entity';
import { User } from '../auth/user.entity';
import { Antenna, Device } from '../devices/device.entities';
import { Building, Floor, Site, Zone } from '../facility/facility.entities';
import { InitialSchema1764100000000 } from './migrations/1764100000000-InitialSchema';
import { AuthSessionsAndThrottle1764200000000 } from './migrations/1764200000000-AuthSessionsAndThrottle';
import { Alerts1764300000000 } from './migrations/1764300000000-Alerts';
import { DeviceHealth1764400000000 } from './migrations/1764400000000-DeviceHealth';
import { FloorPlanImages1764500000000 } from './migrations/1764500000000-FloorPlanImages';
import { WalkingGraph1764600000000 } from './migrations/1764600000000-WalkingGraph';
import { MqttAndTelemetry1764700000000 } from './migrations/1764700000000-MqttAndTelemetry';
import { TagAddressType1764800000000 } from './migrations/1764800000000-TagAddressType';
import { UserScope1764900000000 } from './migrations/1764900000000-UserScope';
import { OidcSignIn1765000000000 } from './migrations/1765000000000-OidcSignIn';
import { LocationEngine1765100000000 } from './migrations/1765100000000-LocationEngine';
import { Retention1765200000000 } from './migrations/1765200000000-Retention';
import { StayIdempotence1765300000000 } from './migrations/1765300000000-StayIdempotence';

/** Every entity, listed explicitly (no glob loading: it breaks under bundlers and ESM). */
export const ENTITIES = [User, AuditLogEntry, Site, Building, Floor, Zone, Device, Antenna, Asset, Alert];

/** Every migration, in order. */
export const MIGRATIONS = [
  InitialSchema1764100000000,
  AuthSessionsAndThrottle1764200000000,
  Alerts1764300000000,
  DeviceHealth1764400000000,
  FloorPlanImages1764500000000,
  WalkingGraph1764600000000,
  MqttAndTelemetry1764700000000,
  TagAddressType1764800000000,
  UserScope1764900000000,
  OidcSignIn1765000000000,
  LocationEngine1765100000000,
  Retention1765200000000,
  StayIdempotence1765300000000,
];
