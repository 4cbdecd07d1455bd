import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Sign-in sessions (refresh tokens, logout that revokes), login throttling, device key grace periods. */
export class AuthSessionsAndThrottle1764200000000 implements MigrationInterface {
  name = 'AuthSessionsAndThrottle1764200000000';

  async up(q: QueryRunner): Promise<void> {
    // One row per sign-in. The refresh token is stored as a hash and replaced on every use;
    // presenting a replaced token means it was stolen, and the whole session is revoked.
    await q.query(`
      CREATE TABLE auth_session (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        refresh_hash text NOT NULL,
        previous_refresh_hash text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text,
        ip text,
        user_agent text
      )`);
    await q.query(`CREATE UNIQUE INDEX auth_session_refresh_idx ON auth_session (refresh_hash)`);
    await q.query(`CREATE INDEX auth_session_previous_idx ON auth_session (previous_refresh_hash)`);
    await q.query(`CREATE INDEX auth_session_user_idx ON auth_session (user_id)`);

    // Failed sign-ins per account and per client address, shared by every api instance.
    await q.query(`
      CREATE TABLE auth_throttle (
        key text PRIMARY KEY,
        failures integer NOT NULL,
        window_start timestamptz NOT NULL,
        locked_until timestamptz
      )`);

    // After a key rotation the previous key keeps working until this time (readers are reconfigured one by one).
    await q.query(`ALTER TABLE device ADD COLUMN previous_key_prefix text`);
    await q.query(`ALTER TABLE device ADD COLUMN previous_key_hash text`);
    await q.query(`ALTER TABLE device ADD COLUMN previous_key_valid_until timestamptz`);
    await q.query(`CREATE INDEX device_previous_key_prefix_idx ON device (previous_key_prefix)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS device_previous_key_prefix_idx`);
    await q.query(`ALTER TABLE device DROP COLUMN previous_key_valid_until`);
    await q.query(`ALTER TABLE device DROP COLUMN previous_key_hash`);
    await q.query(`ALTER TABLE device DROP COLUMN previous_key_prefix`);
    await q.query(`DROP TABLE auth_throttle`);
    await q.query(`DROP TABLE auth_session`);
  }
}
