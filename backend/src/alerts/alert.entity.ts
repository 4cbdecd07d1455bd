import type { AlertKind, AlertSeverity, AlertState } from '@wardtrack/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Something that needs a person's attention, raised and resolved by the alert rules. At most one
 * unresolved alert exists per kind and subject (a partial unique index), so a persisting condition
 * updates its alert instead of piling up new ones.
 */
@Entity('alert')
export class Alert {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') kind: AlertKind;
  @Column('text', { name: 'subject_type' }) subjectType: string;
  @Column('text', { name: 'subject_id' }) subjectId: string;
  @Column('text', { name: 'subject_label' }) subjectLabel: string;
  @Column('uuid', { name: 'site_id', nullable: true }) siteId: string | null;
  @Column('text', { name: 'care_unit', nullable: true }) careUnit: string | null;
  @Column('text') severity: AlertSeverity;
  @Column('text') state: AlertState;
  @Column('jsonb') details: Record<string, unknown>;
  @Column('timestamptz', { name: 'opened_at' }) openedAt: Date;
  @Column('timestamptz', { name: 'acknowledged_at', nullable: true }) acknowledgedAt: Date | null;
  @Column('uuid', { name: 'acknowledged_by', nullable: true }) acknowledgedBy: string | null;
  @Column('text', { name: 'acknowledged_by_label', nullable: true }) acknowledgedByLabel: string | null;
  @Column('timestamptz', { name: 'resolved_at', nullable: true }) resolvedAt: Date | null;
  @Column('text', { name: 'resolved_reason', nullable: true }) resolvedReason: string | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
