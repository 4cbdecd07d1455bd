import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Floor plans uploaded by an admin: a PNG can stand in for the SVG drawing, and `plan_source`
 * says whether the current drawing came from floorplans/ (re-imported at every start) or from an
 * upload (which the importer must leave alone).
 */
export class FloorPlanImages1764500000000 implements MigrationInterface {
  name = 'FloorPlanImages1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE floor ADD COLUMN plan_png bytea`);
    // Hash of the site folder last imported: start-up re-imports only when floorplans/ changed.
    await q.query(`ALTER TABLE site ADD COLUMN source_hash text`);
    await q.query(`
      ALTER TABLE floor ADD COLUMN plan_content_type text NOT NULL DEFAULT 'image/svg+xml'
        CHECK (plan_content_type IN ('image/svg+xml', 'image/png'))`);
    await q.query(`
      ALTER TABLE floor ADD COLUMN plan_source text NOT NULL DEFAULT 'floorplans'
        CHECK (plan_source IN ('floorplans', 'upload'))`);
    // A floor that says its plan is a PNG has one.
    await q.query(`
      ALTER TABLE floor ADD CONSTRAINT floor_plan_png_present
        CHECK (plan_content_type <> 'image/png' OR plan_png IS NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE floor DROP CONSTRAINT floor_plan_png_present`);
    await q.query(`ALTER TABLE floor DROP COLUMN plan_source`);
    await q.query(`ALTER TABLE floor DROP COLUMN plan_content_type`);
    await q.query(`ALTER TABLE floor DROP COLUMN plan_png`);
    await q.query(`ALTER TABLE site DROP COLUMN source_hash`);
  }
}
