import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The location engine's persisted state: each fix carries its technology, confidence and
 * whether the tag is still heard ('present') or only last seen ('lost'); the history is kept
 * as stays (tag in zone from -> to), and doorway portal passages as their own rows.
 */
export class LocationEngine1765100000000 implements MigrationInterface {
  name = 'LocationEngine1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tag_location
        ADD COLUMN tech text NOT NULL DEFAULT 'rfid' CHECK (tech IN ('rfid', 'ble')),
        ADD COLUMN confidence real NOT NULL DEFAULT 1 CHECK (confidence >= 0 AND confidence <= 1),
        ADD COLUMN state text NOT NULL DEFAULT 'present' CHECK (state IN ('present', 'lost'))`);

    // One row per continuous presence of a tag in a zone; left_at NULL while it is still there.
    await q.query(`
      CREATE TABLE tag_stay (
        id bigserial PRIMARY KEY,
        tag_id text NOT NULL,
        zone_id uuid NOT NULL REFERENCES zone (id) ON DELETE CASCADE,
        floor_id uuid NOT NULL REFERENCES floor (id) ON DELETE CASCADE,
        entered_at timestamptz NOT NULL,
        left_at timestamptz,
        CHECK (left_at IS NULL OR left_at >= entered_at)
      )`);
    await q.query(`CREATE UNIQUE INDEX tag_stay_open_idx ON tag_stay (tag_id) WHERE left_at IS NULL`);
    await q.query(`CREATE INDEX tag_stay_tag_idx ON tag_stay (tag_id, entered_at)`);
    await q.query(`CREATE INDEX tag_stay_zone_idx ON tag_stay (zone_id, entered_at)`);
    // Existing fixes open a stay, so history starts where the data does.
    await q.query(`
      INSERT INTO tag_stay (tag_id, zone_id, floor_id, entered_at)
      SELECT tag_id, zone_id, floor_id, zone_since FROM tag_location`);

    // Doorway portals: a tag passing a pair of antennas, with its direction.
    await q.query(`
      CREATE TABLE tag_passage (
        id bigserial PRIMARY KEY,
        tag_id text NOT NULL,
        zone_id uuid NOT NULL REFERENCES zone (id) ON DELETE CASCADE,
        direction text NOT NULL CHECK (direction IN ('entered', 'left')),
        passed_at timestamptz NOT NULL,
        UNIQUE (tag_id, zone_id, passed_at)
      )`);
    await q.query(`CREATE INDEX tag_passage_zone_idx ON tag_passage (zone_id, passed_at)`);

    // The embedded queue keeps the partition each job belongs to (ingest splits batches by tag hash).
    await q.query(`ALTER TABLE queued_batch ADD COLUMN partition smallint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE queued_batch DROP COLUMN partition`);
    await q.query(`DROP TABLE tag_passage`);
    await q.query(`DROP TABLE tag_stay`);
    await q.query(`ALTER TABLE tag_location DROP COLUMN state, DROP COLUMN confidence, DROP COLUMN tech`);
  }
}
