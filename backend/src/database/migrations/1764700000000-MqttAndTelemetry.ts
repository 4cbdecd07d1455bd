import type { MigrationInterface, QueryRunner } from 'typeorm';

/** MQTT ingest (each device's own topic) and the newest battery/temperature telemetry per tag. */
export class MqttAndTelemetry1764700000000 implements MigrationInterface {
  name = 'MqttAndTelemetry1764700000000';

  async up(q: QueryRunner): Promise<void> {
    // The topic the device publishes to; the messages are read in the device's vendor_format.
    await q.query(`ALTER TABLE device ADD COLUMN mqtt_topic text UNIQUE`);
    await q.query(`
      CREATE TABLE tag_telemetry (
        tag_id text PRIMARY KEY,
        battery_mv integer,
        battery_percent real,
        temperature_c real,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tag_telemetry`);
    await q.query(`ALTER TABLE device DROP COLUMN mqtt_topic`);
  }
}
