import type { Point, ZoneKind } from '@wardtrack/contracts';
import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

@Entity('site')
export class Site {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') code: string;
  @Column('text') name: string;
  /** IANA time zone; per-day figures and reader times without an offset are read in it. */
  @Column('text', { name: 'time_zone' }) timeZone: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity('building')
export class Building {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'site_id' }) siteId: string;
  @ManyToOne(() => Site, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'site_id' }) site?: Site;
  @Column('text') code: string;
  @Column('text') name: string;
}

@Entity('floor')
export class Floor {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'building_id' }) buildingId: string;
  @ManyToOne(() => Building, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'building_id' }) building?: Building;
  @Column('text') code: string;
  @Column('text') name: string;
  @Column('integer') level: number;
  @Column('double precision', { name: 'width_m' }) widthM: number;
  @Column('double precision', { name: 'height_m' }) heightM: number;
  @Column('text', { name: 'plan_svg', select: false }) planSvg: string;
}

@Entity('zone')
export class Zone {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'floor_id' }) floorId: string;
  @ManyToOne(() => Floor, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'floor_id' }) floor?: Floor;
  @Column('text') code: string;
  @Column('text') name: string;
  @Column('text') kind: ZoneKind;
  @Column('text', { name: 'care_unit', nullable: true }) careUnit: string | null;
  @Column('jsonb') polygon: Point[];
  @Column('double precision', { name: 'centroid_x' }) centroidX: number;
  @Column('double precision', { name: 'centroid_y' }) centroidY: number;
}
