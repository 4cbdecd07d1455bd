import type { AssetStatus } from '@wardtrack/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A piece of movable equipment (infusion pump, wheelchair, ...) and the tag attached to it. */
@Entity('asset')
export class Asset {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text', { name: 'tag_id', nullable: true }) tagId: string | null;
  @Column('text') name: string;
  @Column('text', { name: 'asset_type' }) assetType: string;
  @Column('text', { nullable: true }) serial: string | null;
  @Column('text', { name: 'home_unit', nullable: true }) homeUnit: string | null;
  @Column('text') status: AssetStatus;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
