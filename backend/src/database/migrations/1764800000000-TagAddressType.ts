import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Whether a BLE tag was heard with its public address or a random one, where the gateway says. */
export class TagAddressType1764800000000 implements MigrationInterface {
  name = 'TagAddressType1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE tag_telemetry ADD COLUMN address_type text CHECK (address_type IN ('public', 'random'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tag_telemetry DROP COLUMN address_type`);
  }
}
