import type { DeviceKind } from '@wardtrack/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** An RFID reader or BLE gateway. Its API key is stored only as a hash with a lookup prefix. */
@Entity('device')
export class Device {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') code: string;
  @Column('text') name: string;
  @Column('text') kind: DeviceKind;
  @Column('text', { name: 'vendor_format' }) vendorFormat: string;
  @Column('uuid', { name: 'floor_id', nullable: true }) floorId: string | null;
  @Column('double precision', { nullable: true }) x: number | null;
  @Column('double precision', { nullable: true }) y: number | null;
  @Column('text', { name: 'key_prefix', nullable: true }) keyPrefix: string | null;
  @Column('text', { name: 'key_hash', nullable: true, select: false }) keyHash: string | null;
  @Column('timestamptz', { name: 'key_created_at', nullable: true }) keyCreatedAt: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
  @Column('timestamptz', { name: 'last_seen_at', nullable: true }) lastSeenAt: Date | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError: string | null;
  @Column('timestamptz', { name: 'last_error_at', nullable: true }) lastErrorAt: Date | null;
  @Column('integer', { name: 'clock_skew_ms', nullable: true }) clockSkewMs: number | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** One antenna port of a reader and the zone it covers. */
@Entity('antenna')
export class Antenna {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'device_id' }) deviceId: string;
  @Column('integer') port: number;
  @Column('uuid', { name: 'zone_id' }) zoneId: string;
  /** For doorway portals: which side of the door the antenna faces. */
  @Column('text', { nullable: true }) side: 'inside' | 'outside' | null;
}
