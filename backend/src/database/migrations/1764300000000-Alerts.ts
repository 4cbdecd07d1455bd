import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Alerts: one table for every kind, with at most one unresolved alert per kind and subject. */
export class Alerts1764300000000 implements MigrationInterface {
  name = 'Alerts1764300000000';

  async up(q: QueryRunner): Promise<void> {
    // The kinds are a frozen copy of ALERT_KINDS at the time of this migration: a new kind is a new migration.
    await q.query(`
      CREATE TABLE alert (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN (
          'low_stock', 'stock_out', 'expiring', 'expired', 'asset_missing', 'asset_exit',
          'asset_in_linen_or_waste', 'equipment_below_par', 'device_offline', 'low_battery', 'maintenance_due')),
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        subject_label text NOT NULL,
        site_id uuid REFERENCES site (id) ON DELETE SET NULL,
        care_unit text,
        severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'resolved')),
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        opened_at timestamptz NOT NULL DEFAULT now(),
        acknowledged_at timestamptz,
        acknowledged_by uuid REFERENCES app_user (id) ON DELETE SET NULL,
        acknowledged_by_label text,
        resolved_at timestamptz,
        resolved_reason text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (state <> 'acknowledged' OR acknowledged_at IS NOT NULL),
        CHECK (state <> 'resolved' OR resolved_at IS NOT NULL)
      )`);
    // The rules raise with INSERT ... ON CONFLICT on this index: a condition that persists updates its alert
    // instead of opening another; once resolved, the same condition may open a new one.
    await q.query(`
      CREATE UNIQUE INDEX alert_one_unresolved_key ON alert (kind, subject_type, subject_id)
      WHERE state <> 'resolved'`);
    await q.query(`CREATE INDEX alert_opened_idx ON alert (opened_at DESC)`);
    await q.query(`CREATE INDEX alert_state_opened_idx ON alert (state, opened_at DESC)`);
    await q.query(`CREATE INDEX alert_kind_state_opened_idx ON alert (kind, state, opened_at DESC)`);
    await q.query(`CREATE INDEX alert_site_opened_idx ON alert (site_id, opened_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Dropping the table drops its indexes and constraints with it.
    await q.query(`DROP TABLE alert`);
  }
}
