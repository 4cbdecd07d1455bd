import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { type AppConfig, ConfigError } from '@backend/config/app-config';
import { openDatabase } from '@backend/database/data-source';
import type { QueryRunner } from 'typeorm';
import { DEMO_ACCOUNTS } from '@backend/demo/demo-accounts';
import { exportDatabase, importDatabase, type TransferSummary, TransferError } from './data-transfer';
import { runRetention } from './retention';

/** The operations subcommands of `node dist/backend/main.js`. */
export const OPERATIONS_COMMANDS = ['retention', 'export', 'import'] as const;

function printSummary(verb: string, file: string, summary: TransferSummary): void {
  const rows = summary.tables.reduce((n, t) => n + t.rows, 0);
  for (const t of summary.tables) process.stdout.write(`  ${t.table}: ${t.rows}\n`);
  process.stdout.write(
    `${verb} ${rows} rows in ${summary.tables.length} tables ${verb === 'Exported' ? 'to' : 'from'} ${file}\n`,
  );
}

/**
 * Runs `retention`, `export <file>` or `import <file>` against the configured database (the embedded
 * one when DATABASE_URL is unset). Returns false for any other command.
 */
export async function runOperationsCommand(args: string[], config: AppConfig, logger: Logger): Promise<boolean> {
  const [command, fileArg] = args;
  if (!(OPERATIONS_COMMANDS as readonly string[]).includes(command)) return false;
  if ((command === 'export' || command === 'import') && !fileArg) {
    throw new ConfigError(`usage: node dist/backend/main.js ${command} <file>`);
  }
  const dataSource = await openDatabase(config.database.url!, config.database.poolSize);
  try {
    if (command === 'retention') {
      const run = await runRetention(dataSource, config.retention, logger, { poolSize: config.database.poolSize });
      if (!run.ran) process.stdout.write('Another process is purging right now; nothing done\n');
      for (const o of run.outcomes) {
        process.stdout.write(
          `  ${o.table}: ${o.days > 0 ? `kept ${o.days} days, deleted ${o.deleted}` : 'kept forever'}\n`,
        );
      }
    } else {
      const file = resolve(fileArg);
      try {
        if (command === 'export') {
          printSummary('Exported', file, await exportDatabase(dataSource, file));
          const [{ n }] = await dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM queued_batch`);
          if (n > 0) {
            process.stderr.write(
              `warning: ${n} accepted batches were still queued in the database; they are in the export and are ` +
                'processed where it is imported only if that installation runs without REDIS_URL\n',
            );
          }
        } else {
          printSummary('Imported', file, await importDatabase(dataSource, file, disableDemoAccounts));
        }
      } catch (e) {
        logger.debug({ command, file, err: (e as Error).message }, 'transfer failed; nothing imported');
        if (e instanceof TransferError) throw new ConfigError(`${command} failed: ${e.message}`);
        throw e;
      }
    }
  } finally {
    await dataSource.destroy();
  }
  return true;
}

/**
 * An evaluation install has demo accounts whose password is public. A real installation must not
 * inherit them: the import disables them (audited) and ends their sessions; `create-admin` makes a real one.
 */
async function disableDemoAccounts(q: QueryRunner): Promise<void> {
  const emails = DEMO_ACCOUNTS.map((a) => a.email);
  const disabled = (await q.query(
    `WITH disabled AS (
       UPDATE app_user SET active = false, updated_at = now() WHERE lower(email) = ANY($1) AND active
       RETURNING id, email)
     SELECT id, email FROM disabled ORDER BY email`,
    [emails],
  )) as { id: string; email: string }[];
  if (disabled.length === 0) return;
  const ids = disabled.map((u) => u.id);
  await q.query(`UPDATE auth_session SET revoked_at = now() WHERE user_id = ANY($1) AND revoked_at IS NULL`, [ids]);
  await q.query(
    `INSERT INTO audit_log (actor_type, actor_label, action, subject_type, subject_id, before, after)
     SELECT 'system', 'import command', 'update', 'user', id::text, '{"active": true}', '{"active": false}'
       FROM unnest($1::uuid[]) AS id`,
    [ids],
  );
  for (const u of disabled) {
    process.stdout.write(
      `Disabled demo account ${u.email} (its password is public); use create-admin for a real one\n`,
    );
  }
}
