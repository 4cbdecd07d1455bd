import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A stay is identified by tag, zone and entry time: writing the same stay twice (a change
 * re-derived after the worker rebuilt its state) keeps one row.
 */
export class StayIdempotence1765300000000 implements MigrationInterface {
  name = 'StayIdempotence1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM tag_stay s USING tag_stay d
      WHERE s.tag_id = d.tag_id AND s.zone_id = d.zone_id AND s.entered_at = d.entered_at AND s.id > d.id`);
    await q.query(`CREATE UNIQUE INDEX tag_stay_entry_idx ON tag_stay (tag_id, zone_id, entered_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX tag_stay_entry_idx`);
  }
}
