import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Limits a user to some sites and care units; an empty list leaves that dimension unrestricted. */
export class UserScope1764900000000 implements MigrationInterface {
  name = 'UserScope1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE app_user ADD COLUMN scope_site_ids uuid[] NOT NULL DEFAULT '{}',
                            ADD COLUMN scope_care_units text[] NOT NULL DEFAULT '{}'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE app_user DROP COLUMN scope_care_units, DROP COLUMN scope_site_ids`);
  }
}
