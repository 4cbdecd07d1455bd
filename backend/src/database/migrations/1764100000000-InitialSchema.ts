import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, audit log, facility, devices, assets, current tag locations, the batch ledger and the embedded queue. */
export class InitialSchema1764100000000 implements MigrationInterface {
  name = 'InitialSchema1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE app_user (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        display_name text NOT NULL,
        role text NOT NULL CHECK (role IN ('nurse', 'supply_manager', 'biomed', 'admin')),
        password_hash text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX app_user_email_key ON app_user (lower(email))`);

    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor_type text NOT NULL CHECK (actor_type IN ('user', 'device', 'system')),
        actor_id text,
        actor_label text NOT NULL,
        action text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        before jsonb,
        after jsonb,
        request_id text
      )`);
    await q.query(`CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id, occurred_at)`);
    await q.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, occurred_at)`);
    await q.query(`CREATE INDEX audit_log_time_idx ON audit_log (occurred_at)`);
    // The audit log is append-only: the database itself refuses to change or remove history.
    await q.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);

    await q.query(`
      CREATE TABLE site (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE,
        name text NOT NULL,
        time_zone text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE building (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES site (id) ON DELETE CASCADE,
        code text NOT NULL,
        name text NOT NULL,
        UNIQUE (site_id, code)
      )`);
    await q.query(`
      CREATE TABLE floor (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        building_id uuid NOT NULL REFERENCES building (id) ON DELETE CASCADE,
        code text NOT NULL,
        name text NOT NULL,
        level integer NOT NULL,
        width_m double precision NOT NULL CHECK (width_m > 0),
        height_m double precision NOT NULL CHECK (height_m > 0),
        plan_svg text NOT NULL,
        UNIQUE (building_id, code)
      )`);
    await q.query(`
      CREATE TABLE zone (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        floor_id uuid NOT NULL REFERENCES floor (id) ON DELETE CASCADE,
        code text NOT NULL,
        name text NOT NULL,
        kind text NOT NULL,
        care_unit text,
        polygon jsonb NOT NULL,
        centroid_x double precision NOT NULL,
        centroid_y double precision NOT NULL,
        UNIQUE (floor_id, code)
      )`);

    await q.query(`
      CREATE TABLE device (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('rfid_reader', 'ble_gateway')),
        vendor_format text NOT NULL,
        floor_id uuid REFERENCES floor (id) ON DELETE SET NULL,
        x double precision,
        y double precision,
        key_prefix text UNIQUE,
        key_hash text,
        key_created_at timestamptz,
        revoked_at timestamptz,
        last_seen_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE antenna (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        device_id uuid NOT NULL REFERENCES device (id) ON DELETE CASCADE,
        port integer NOT NULL CHECK (port >= 1),
        zone_id uuid NOT NULL REFERENCES zone (id) ON DELETE CASCADE,
        side text CHECK (side IN ('inside', 'outside')),
        UNIQUE (device_id, port)
      )`);

    await q.query(`
      CREATE TABLE asset (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tag_id text UNIQUE,
        name text NOT NULL,
        asset_type text NOT NULL,
        serial text,
        home_unit text,
        status text NOT NULL DEFAULT 'available'
          CHECK (status IN ('available', 'in_use', 'needs_cleaning', 'in_maintenance', 'missing')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    // Current fix per tag. Written only when the zone changes (or to refresh a stale last-seen).
    await q.query(`
      CREATE TABLE tag_location (
        tag_id text PRIMARY KEY,
        zone_id uuid NOT NULL REFERENCES zone (id) ON DELETE CASCADE,
        floor_id uuid NOT NULL REFERENCES floor (id) ON DELETE CASCADE,
        x double precision NOT NULL,
        y double precision NOT NULL,
        device_id uuid REFERENCES device (id) ON DELETE SET NULL,
        antenna_port integer,
        rssi real,
        zone_since timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX tag_location_floor_idx ON tag_location (floor_id)`);

    // Ledger of processed batches, written in the same transaction as the changes a batch caused.
    await q.query(`
      CREATE TABLE ingest_batch (
        batch_id text PRIMARY KEY,
        device_id uuid NOT NULL,
        read_count integer NOT NULL,
        received_at timestamptz NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        location_changes integer NOT NULL
      )`);
    await q.query(`CREATE INDEX ingest_batch_device_idx ON ingest_batch (device_id, received_at)`);

    // Durable queue used when no Redis is configured: a batch is stored here before ingest answers 202.
    await q.query(`
      CREATE TABLE queued_batch (
        seq bigserial PRIMARY KEY,
        batch_id text NOT NULL UNIQUE,
        payload jsonb NOT NULL,
        enqueued_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        available_at timestamptz NOT NULL DEFAULT now(),
        last_error text
      )`);
    await q.query(`CREATE INDEX queued_batch_available_idx ON queued_batch (available_at, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'queued_batch',
      'ingest_batch',
      'tag_location',
      'asset',
      'antenna',
      'device',
      'zone',
      'floor',
      'building',
      'site',
      'audit_log',
      'app_user',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS audit_log_append_only()`);
  }
}
