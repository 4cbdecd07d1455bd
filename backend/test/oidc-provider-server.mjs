// A real OpenID provider (node-oidc-provider) for the single sign-on tests, run as its own process:
// the library is ESM-only and jest runs CommonJS.
//
//   OIDC_TEST_CLIENTS        JSON array of client registrations
//   OIDC_TEST_ACCOUNTS_FILE  JSON file { "<accountId>": { ...claims } }, read on every sign-in so a
//                            test can change someone's directory entry between two sign-ins
//
// Listens on 127.0.0.1 on a free port and prints one JSON line: { "issuer": "http://127.0.0.1:<port>" }.
// The development interactions are on: any login name is accepted as the account id (no password check).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const clients = JSON.parse(process.env.OIDC_TEST_CLIENTS ?? '[]');
const accountsFile = process.env.OIDC_TEST_ACCOUNTS_FILE;

const signingKey = (type, options, kid) => ({
  ...generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' }),
  kid,
  use: 'sig',
});

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients,
  jwks: {
    keys: [signingKey('rsa', { modulusLength: 2048 }, 'rsa-1'), signingKey('ec', { namedCurve: 'P-256' }, 'ec-1')],
  },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
    wardtrack: ['groups', 'care_units', 'sites'],
  },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const accounts = JSON.parse(readFileSync(accountsFile, 'utf8'));
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: () => ({ sub: id, ...account }) };
  },
});
// Quiet: the tests read what matters over HTTP.
provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error', error));

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
