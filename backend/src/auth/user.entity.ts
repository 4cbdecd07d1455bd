import type { UserRole } from '@wardtrack/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('app_user')
export class User {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') email: string;
  @Column('text', { name: 'display_name' }) displayName: string;
  @Column('text') role: UserRole;
  @Column('text', { name: 'password_hash', select: false }) passwordHash: string;
  @Column('boolean') active: boolean;
  /** Sites the user may see; empty = all. */
  @Column('uuid', { name: 'scope_site_ids', array: true, default: () => "'{}'" }) scopeSiteIds: string[];
  /** Care units the user may see; empty = all. */
  @Column('text', { name: 'scope_care_units', array: true, default: () => "'{}'" }) scopeCareUnits: string[];
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
