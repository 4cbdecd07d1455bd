import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single sign-on: sign-ins waiting for the identity provider, one-time hand-over codes for the browser,
 * and the link from a provider's subject to a Wardtrack user. Users provisioned by single sign-on have
 * no local password (NULL: the local form refuses them until an admin sets one).
 */
export class OidcSignIn1765000000000 implements MigrationInterface {
  name = 'OidcSignIn1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE app_user ALTER COLUMN password_hash DROP NOT NULL`);

    // One row per redirect to the provider, deleted when the provider comes back (single use).
    // The row is found by a hash of the state and the browser's binding cookie together (only the
    // browser that started can finish); the nonce and the PKCE verifier never leave the server until
    // the token request.
    await q.query(`
      CREATE TABLE oidc_pending_sign_in (
        state_hash text PRIMARY KEY,
        nonce text NOT NULL,
        code_verifier text NOT NULL,
        return_to text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX oidc_pending_sign_in_expiry_idx ON oidc_pending_sign_in (expires_at)`);

    // The browser gets a short-lived one-time code (never a token in a URL) and trades it by POST.
    await q.query(`
      CREATE TABLE oidc_handoff (
        code_hash text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        issuer text NOT NULL,
        subject text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX oidc_handoff_expiry_idx ON oidc_handoff (expires_at)`);

    // A person is recognised by the provider's (issuer, subject), never by e-mail alone.
    await q.query(`
      CREATE TABLE oidc_identity (
        issuer text NOT NULL,
        subject text NOT NULL,
        user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_sign_in_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (issuer, subject)
      )`);
    await q.query(`CREATE INDEX oidc_identity_user_idx ON oidc_identity (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE oidc_identity`);
    await q.query(`DROP TABLE oidc_handoff`);
    await q.query(`DROP TABLE oidc_pending_sign_in`);
    // Accounts without a password cannot survive the old constraint: give them one nobody can match.
    await q.query(`UPDATE app_user SET password_hash = '!' WHERE password_hash IS NULL`);
    await q.query(`ALTER TABLE app_user ALTER COLUMN password_hash SET NOT NULL`);
  }
}
