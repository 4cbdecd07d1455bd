import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The purge is refused for anything newer than this, whatever the caller asks for. */
const AUDIT_MIN_DAYS = 30;

/**
 * The one sanctioned way to shorten the append-only audit log: `audit_log_purge(days, max_rows, actor)`
 * deletes only the oldest entries (older than `days`, at least 30) and first writes an audit entry
 * saying so. The trigger lets a DELETE through only for rows older than the cutoff stated by a purge
 * entry written in the same transaction, so no one can remove recent history, nor any history without
 * leaving a record; UPDATE and TRUNCATE stay refused outright.
 */
export class Retention1765200000000 implements MigrationInterface {
  name = 'Retention1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        purge_entry bigint := nullif(current_setting('wardtrack.audit_purge_entry', true), '')::bigint;
        cutoff timestamptz;
      BEGIN
        IF TG_OP = 'DELETE' AND purge_entry IS NOT NULL THEN
          -- The purge entry must have been written by this very transaction (its xmin is ours).
          SELECT (before ->> 'olderThan')::timestamptz INTO cutoff FROM audit_log
           WHERE id = purge_entry AND action = 'delete' AND subject_type = 'audit_log'
             AND xmin::text = pg_current_xact_id()::xid::text;
          IF cutoff IS NOT NULL AND cutoff <= now() - interval '${AUDIT_MIN_DAYS} days' AND OLD.occurred_at < cutoff THEN
            RETURN OLD;
          END IF;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only';
      END $$`);
    await q.query(`
      CREATE FUNCTION audit_log_purge(older_than_days integer, max_rows integer, actor text)
      RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        cutoff timestamptz;
        n integer;
        deleted integer;
        entry bigint;
      BEGIN
        IF older_than_days IS NULL OR older_than_days < ${AUDIT_MIN_DAYS} THEN
          RAISE EXCEPTION 'audit_log_purge keeps at least ${AUDIT_MIN_DAYS} days of history';
        END IF;
        IF max_rows IS NULL OR max_rows < 1 THEN
          RAISE EXCEPTION 'audit_log_purge needs a positive max_rows';
        END IF;
        cutoff := date_trunc('second', now() - make_interval(days => older_than_days));
        SELECT count(*) INTO n FROM (SELECT 1 FROM audit_log WHERE occurred_at < cutoff LIMIT max_rows) oldest;
        IF n = 0 THEN
          RETURN 0;
        END IF;
        INSERT INTO audit_log (actor_type, actor_label, action, subject_type, subject_id, before)
        VALUES ('system', coalesce(nullif(actor, ''), 'retention'), 'delete', 'audit_log',
                'older-than:' || to_char(cutoff AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                jsonb_build_object('rows', n, 'olderThan', cutoff, 'retentionDays', older_than_days))
        RETURNING id INTO entry;
        PERFORM set_config('wardtrack.audit_purge_entry', entry::text, true);
        DELETE FROM audit_log
         WHERE id IN (SELECT id FROM audit_log WHERE occurred_at < cutoff ORDER BY id LIMIT max_rows);
        GET DIAGNOSTICS deleted = ROW_COUNT;
        PERFORM set_config('wardtrack.audit_purge_entry', '', true);
        IF deleted <> n THEN
          RAISE EXCEPTION 'audit_log_purge: counted % rows, deleted %', n, deleted;
        END IF;
        RETURN deleted;
      END $$`);
    await q.query(`REVOKE ALL ON FUNCTION audit_log_purge(integer, integer, text) FROM PUBLIC`);
    // Retention finds old rows by time. These tables grow in time order (a closed stay is a new row
    // version), so BRIN indexes serve that for a few kB each and add almost nothing to hot-path writes.
    await q.query(`CREATE INDEX tag_stay_left_brin ON tag_stay USING brin (left_at)`);
    await q.query(`CREATE INDEX tag_passage_passed_brin ON tag_passage USING brin (passed_at)`);
    await q.query(`CREATE INDEX ingest_batch_processed_brin ON ingest_batch USING brin (processed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ingest_batch_processed_brin`);
    await q.query(`DROP INDEX tag_passage_passed_brin`);
    await q.query(`DROP INDEX tag_stay_left_brin`);
    await q.query(`DROP FUNCTION audit_log_purge(integer, integer, text)`);
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
      END $$`);
  }
}
