import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AuditAction = 'create' | 'update' | 'delete';
export type ActorType = 'user' | 'device' | 'system';

/** One change to something an administrator cares about. Rows are never updated or deleted. */
@Entity('audit_log')
export class AuditLogEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column('timestamptz', { name: 'occurred_at' }) occurredAt: Date;
  @Column('text', { name: 'actor_type' }) actorType: ActorType;
  @Column('text', { name: 'actor_id', nullable: true }) actorId: string | null;
  @Column('text', { name: 'actor_label' }) actorLabel: string;
  @Column('text') action: AuditAction;
  @Column('text', { name: 'subject_type' }) subjectType: string;
  @Column('text', { name: 'subject_id' }) subjectId: string;
  @Column('jsonb', { nullable: true }) before: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) after: Record<string, unknown> | null;
  @Column('text', { name: 'request_id', nullable: true }) requestId: string | null;
}
