import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What operators need to see per reader: its last rejected post and its clock skew. */
export class DeviceHealth1764400000000 implements MigrationInterface {
  name = 'DeviceHealth1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE device ADD COLUMN last_error text`);
    await q.query(`ALTER TABLE device ADD COLUMN last_error_at timestamptz`);
    // Newest read time in the device's latest batch minus the server's receive time.
    await q.query(`ALTER TABLE device ADD COLUMN clock_skew_ms integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE device DROP COLUMN clock_skew_ms`);
    await q.query(`ALTER TABLE device DROP COLUMN last_error_at`);
    await q.query(`ALTER TABLE device DROP COLUMN last_error`);
  }
}
