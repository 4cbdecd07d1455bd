import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import type { OidcConfig } from '@backend/config/oidc-config';
import { OidcClient, OidcProtocolError } from './oidc-client';

/** A provider reduced to what ID token verification reads: discovery and the JWKS, over real HTTP. */
describe(OidcClient.name, () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let server: Server;
  let issuer: string;
  let advertisedIssuer: string | null = null;
  let sut: OidcClient;

  const jwk = (key: KeyObject, kid: string) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig' });

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') {
        res.end(
          JSON.stringify({
            issuer: advertisedIssuer ?? issuer,
            authorization_endpoint: `${issuer}/auth`,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
            code_challenge_methods_supported: ['S256'],
          }),
        );
      } else if (req.url === '/jwks') {
        res.end(JSON.stringify({ keys: [jwk(rsa.publicKey, 'rsa-1'), jwk(ec.publicKey, 'ec-1')] }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(() => {
    advertisedIssuer = null;
    sut = new OidcClient({
      issuer,
      clientId: 'wardtrack',
      redirectUri: 'https://w/cb',
      scopes: ['openid'],
    } as OidcConfig);
  });

  const sign = (claims: object, key: KeyObject = rsa.privateKey, options: jwt.SignOptions = {}) =>
    jwt.sign({ sub: 'nora', nonce: 'n-1', ...claims }, key, {
      algorithm: 'RS256',
      keyid: 'rsa-1',
      issuer,
      audience: 'wardtrack',
      ...('exp' in claims ? {} : { expiresIn: 300 }),
      ...options,
    });
  const refusal = async (token: string) => {
    const error = await sut.verifyIdToken(token, 'n-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OidcProtocolError);
    return (error as Error).message;
  };

  it('accepts RS256 and ES256 tokens from the provider for this client and sign-in', async () => {
    await expect(sut.verifyIdToken(sign({}), 'n-1')).resolves.toMatchObject({ sub: 'nora' });
    const es = sign({}, ec.privateKey, { algorithm: 'ES256', keyid: 'ec-1' });
    await expect(sut.verifyIdToken(es, 'n-1')).resolves.toMatchObject({ sub: 'nora' });
  });

  it('refuses another audience, issuer, nonce, an expired token and a foreign azp', async () => {
    expect(await refusal(sign({}, rsa.privateKey, { audience: 'other-app' }))).toMatch(/audience/);
    expect(await refusal(sign({}, rsa.privateKey, { issuer: 'https://evil.example' }))).toMatch(/issuer/);
    expect(await refusal(sign({ nonce: 'n-2' }))).toMatch(/nonce/);
    expect(await refusal(sign({ exp: Math.floor(Date.now() / 1000) - 3600 }))).toMatch(/expired/);
    expect(await refusal(sign({}, rsa.privateKey, { audience: ['wardtrack', 'other-app'] }))).toMatch(/azp/);
    expect(await refusal(sign({ azp: 'other-app' }))).toMatch(/azp/);
  });

  it('refuses a signature by another key, an unknown key id, and symmetric or unsigned tokens', async () => {
    expect(await refusal(sign({}, stranger.privateKey))).toMatch(/invalid signature/);
    expect(await refusal(sign({}, stranger.privateKey, { keyid: 'rsa-9' }))).toMatch(/no signing key rsa-9/);
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(await refusal(jwt.sign({ sub: 'nora', nonce: 'n-1' }, pem, { algorithm: 'HS256' }))).toMatch(/HS256/);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"nora"}').toString('base64url')}.`;
    expect(await refusal(unsigned)).toMatch(/none/);
  });

  it('refuses a discovery document that names another issuer', async () => {
    advertisedIssuer = 'https://evil.example';
    await expect(sut.discover()).rejects.toThrow(/names issuer https:\/\/evil.example/);
  });
});
