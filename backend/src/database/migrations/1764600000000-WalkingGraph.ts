import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The walking graph of a site: door points between zones of one floor (`opening`) and the lifts
 * and staircases joining floors (`vertical_link` with one `vertical_link_stop` per floor served).
 * Imported from site.json with the rest of the facility.
 */
export class WalkingGraph1764600000000 implements MigrationInterface {
  name = 'WalkingGraph1764600000000';

  async up(q: QueryRunner): Promise<void> {
    // Openings have no direction: the importer stores the pair with zone_a_id < zone_b_id, so a
    // door is one row whichever way the plan names it.
    await q.query(`
      CREATE TABLE opening (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        floor_id uuid NOT NULL REFERENCES floor (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('door', 'opening')),
        zone_a_id uuid NOT NULL REFERENCES zone (id) ON DELETE CASCADE,
        zone_b_id uuid NOT NULL REFERENCES zone (id) ON DELETE CASCADE,
        x double precision NOT NULL,
        y double precision NOT NULL,
        CHECK (zone_a_id < zone_b_id),
        UNIQUE (zone_a_id, zone_b_id, x, y)
      )`);
    await q.query(`CREATE INDEX opening_floor_idx ON opening (floor_id)`);
    await q.query(`CREATE INDEX opening_zone_b_idx ON opening (zone_b_id)`);

    await q.query(`
      CREATE TABLE vertical_link (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES site (id) ON DELETE CASCADE,
        code text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('elevator', 'stairs')),
        UNIQUE (site_id, code)
      )`);
    // position: the stop's place in the link, lowest floor first (0, 1, 2, ...).
    await q.query(`
      CREATE TABLE vertical_link_stop (
        link_id uuid NOT NULL REFERENCES vertical_link (id) ON DELETE CASCADE,
        zone_id uuid NOT NULL REFERENCES zone (id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position >= 0),
        PRIMARY KEY (link_id, zone_id),
        UNIQUE (link_id, position)
      )`);
    await q.query(`CREATE INDEX vertical_link_stop_zone_idx ON vertical_link_stop (zone_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE vertical_link_stop`);
    await q.query(`DROP TABLE vertical_link`);
    await q.query(`DROP TABLE opening`);
  }
}
