import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { AlertDto, LoginResponse } from '@wardtrack/contracts';
import { AlertsService } from '../src/alerts/alerts.service';
import { TestApp } from './harness';

/**
 * Single sign-on against a real OpenID provider (node-oidc-provider in a child process), driven over
 * HTTP the way a browser would: Wardtrack's start -> the provider's login and consent pages ->
 * Wardtrack's callback -> the SPA's one-time code -> the token pair -> protected routes.
 */

// Wardtrack's port is only known once it listens, so the provider knows it by the public URL it would
// have behind a reverse proxy; the test's browser delivers that URL to the running app.
const PUBLIC_URL = 'https://wardtrack.hospital.test';
const CALLBACK = `${PUBLIC_URL}/api/v1/auth/oidc/callback`;
const CLIENT = { id: 'wardtrack', secret: 'test-client-secret-long-enough-0123456789' };

type Account = Record<string, unknown>;

/** The provider process and the directory (accounts file) it reads on every sign-in. */
class TestProvider {
  private constructor(
    readonly issuer: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(accounts: Record<string, Account>): Promise<TestProvider> {
    const dir = mkdtempSync(join(tmpdir(), 'wt-oidc-'));
    writeFileSync(join(dir, 'accounts.json'), JSON.stringify(accounts));
    const child = spawn(process.execPath, [resolve(__dirname, 'oidc-provider-server.mjs')], {
      env: {
        ...process.env,
        OIDC_TEST_ACCOUNTS_FILE: join(dir, 'accounts.json'),
        OIDC_TEST_CLIENTS: JSON.stringify([
          {
            client_id: CLIENT.id,
            client_secret: CLIENT.secret,
            redirect_uris: [CALLBACK],
            grant_types: ['authorization_code'],
            response_types: ['code'],
            token_endpoint_auth_method: 'client_secret_basic',
          },
        ]),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const line = await new Promise<string>((resolveLine, reject) => {
      createInterface({ input: child.stdout }).once('line', resolveLine);
      child.once('exit', (code) => reject(new Error(`provider exited with ${code}: ${stderr}`)));
    });
    return new TestProvider((JSON.parse(line) as { issuer: string }).issuer, child, dir);
  }

  /** Changes the directory: the next sign-in reads these claims. */
  setAccounts(accounts: Record<string, Account>): void {
    writeFileSync(join(this.dir, 'accounts.json'), JSON.stringify(accounts));
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A browser: keeps the provider's cookies, follows redirects, fills in the login and consent forms. */
class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly wardtrack: string) {}

  /** The URL to fetch: Wardtrack's public URL goes to the running test app. */
  private target(url: string): string {
    return url.startsWith(PUBLIC_URL) ? this.wardtrack + url.slice(PUBLIC_URL.length) : url;
  }

  async fetch(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(this.target(url), {
      method: init.method ?? 'GET',
      headers,
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
      redirect: 'manual',
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      const expired = attributes.some((a) => /^\s*(max-age=0|expires=Thu, 01 Jan 1970)/i.test(a));
      if (expired || value === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    return response;
  }

  /**
   * Signs in at the provider as `login` from its authorization URL, until the provider sends the browser
   * back to Wardtrack; returns that callback URL (not yet opened).
   */
  async signInAtProvider(authorizationUrl: string, login: string): Promise<string> {
    let url = authorizationUrl;
    for (let step = 0; step < 12; step++) {
      const response = await this.fetch(url);
      if (response.status >= 300 && response.status < 400) {
        url = new URL(response.headers.get('location')!, url).href;
        if (url.startsWith(CALLBACK)) return url;
        continue;
      }
      const html = await response.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      if (response.status !== 200 || !action || !prompt) throw new Error(`provider page ${response.status}: ${html}`);
      const form: Record<string, string> = prompt === 'login' ? { prompt, login, password: 'any' } : { prompt };
      const submitted = await this.fetch(new URL(action.replace(/&amp;/g, '&'), url).href, { method: 'POST', form });
      url = new URL(submitted.headers.get('location')!, url).href;
      if (url.startsWith(CALLBACK)) return url;
    }
    throw new Error('the provider never sent the browser back');
  }
}

const fragment = (location: string) => Object.fromEntries(new URLSearchParams(new URL(location).hash.slice(1)));

describe('single sign-on (OpenID Connect)', () => {
  let idp: TestProvider;
  let sut: TestApp;
  let admin: string;
  let icuAlert: string;
  let westAlert: string;
  const directory: Record<string, Account> = {
    nora: {
      email: 'nora@hospital.test',
      email_verified: true,
      name: 'Nora Nightingale',
      groups: ['staff', 'wt-nurses'],
      care_units: ['4 West'],
      sites: ['DEMO'],
    },
    bert: { email: 'bert@hospital.test', email_verified: true, name: 'Bert Biomed', groups: ['wt-biomed'] },
    vic: { email: 'vic@hospital.test', email_verified: true, name: 'Vic Visitor', groups: ['visitors'] },
    olga: { email: 'olga@hospital.test', name: 'Olga Elsewhere', groups: ['wt-nurses'], sites: ['NOWHERE'] },
    mallory: { email: 'local.admin@hospital.test', name: 'Not the admin', groups: ['wt-admins'] },
  };

  beforeAll(async () => {
    idp = await TestProvider.start(directory);
    sut = await TestApp.start({
      env: {
        PUBLIC_URL,
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: CLIENT.id,
        OIDC_CLIENT_SECRET: CLIENT.secret,
        OIDC_SCOPES: 'openid email profile wardtrack',
        OIDC_ROLE_CLAIM: 'groups',
        OIDC_ROLE_MAP: 'wt-admins=admin,wt-biomed=biomed,wt-supplies=supply_manager,wt-nurses=nurse',
        OIDC_SITE_CLAIM: 'sites',
        OIDC_CARE_UNIT_CLAIM: 'care_units',
        OIDC_BUTTON_LABEL: 'Hospital account',
        ALERT_EVALUATION_INTERVAL_SECONDS: '3600',
      },
    });
    admin = await sut.signIn('admin');
    const [{ id: siteId, code }] = await sut.query<{ id: string; code: string }>(
      `SELECT id, code FROM site ORDER BY code LIMIT 1`,
    );
    directory.nora.sites = [code];
    idp.setAccounts(directory);
    const alerts = sut.app.get(AlertsService);
    const raise = async (id: string, careUnit: string) =>
      (await alerts.raise('device_offline', { type: 'test', id, label: id }, { severity: 'warning', siteId, careUnit }))
        .id;
    icuAlert = await raise('icu-1', 'ICU');
    westAlert = await raise('west-1', '4 West');
  }, 60_000);
  afterAll(async () => {
    await sut?.stop();
    await idp?.stop();
  });

  /** Wardtrack's start: returns the provider URL it redirects to. */
  const start = async (browser: Browser, returnUrl?: string) => {
    const query = returnUrl ? `?returnUrl=${encodeURIComponent(returnUrl)}` : '';
    const res = await browser.fetch(`${PUBLIC_URL}/api/v1/auth/oidc/start${query}`);
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  };
  /** Opens Wardtrack's callback; returns the parameters it hands the SPA (code or error). */
  const callback = async (browser: Browser, url: string) => {
    const res = await browser.fetch(url);
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location.startsWith(`${PUBLIC_URL}/login/sso#`)).toBe(true);
    return fragment(location);
  };
  const exchange = (code: string) => sut.request('POST', '/api/v1/auth/oidc/exchange', { body: { code } });
  /** The whole sign-in as a person would do it; returns what the SPA receives. */
  const signIn = async (login: string, returnUrl?: string) => {
    const browser = new Browser(sut.baseUrl);
    const authorization = await start(browser, returnUrl);
    return callback(browser, await browser.signInAtProvider(authorization.href, login));
  };
  const userByEmail = async (email: string) =>
    (
      await sut.query<{ id: string; role: string; active: boolean; password_hash: string | null }>(
        `SELECT id, role, active, password_hash FROM app_user WHERE email = $1`,
        [email],
      )
    )[0];
  const auditOf = async (subject: string) =>
    (await sut.request('GET', `/api/v1/audit?subject=${encodeURIComponent(subject)}`, { token: admin })).body as {
      action: string;
      actor: { type: string; label: string };
      before: Record<string, unknown> | null;
      after: Record<string, unknown> | null;
    }[];

  it('tells the sign-in screen that single sign-on is on, and its label', async () => {
    const res = await sut.request('GET', '/api/v1/auth/oidc/config');
    expect(res.body).toEqual({ enabled: true, label: 'Hospital account' });
  });

  it('sends the browser to the provider with PKCE S256, state and nonce', async () => {
    const url = await start(new Browser(sut.baseUrl));
    expect(url.origin).toBe(idp.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: CLIENT.id,
      redirect_uri: CALLBACK,
      code_challenge_method: 'S256',
      scope: 'openid email profile wardtrack',
    });
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('creates the user on first sign-in with the role and scope from the claims, and hands the SPA a session', async () => {
    const handed = await signIn('nora', '/map/floor-4w');
    expect(handed.error).toBeUndefined();
    expect(handed.returnUrl).toBe('/map/floor-4w');
    expect(handed.code).toMatch(/^wto_/);

    const res = await exchange(handed.code);
    expect(res.status).toBe(200);
    const login = res.body as LoginResponse;
    expect(login).toMatchObject({
      tokenType: 'Bearer',
      user: { email: 'nora@hospital.test', displayName: 'Nora Nightingale', role: 'nurse' },
    });
    expect(login.refreshToken).toMatch(/^wtr_/);

    // A protected route, with the role the directory gave.
    const me = await sut.request('GET', '/api/v1/auth/me', { token: login.accessToken });
    expect(me.body).toMatchObject({ email: 'nora@hospital.test', role: 'nurse' });
    expect((await sut.request('GET', '/api/v1/users', { token: login.accessToken })).status).toBe(403);
    // The scope the directory gave: 4 West only, on the demo site.
    const alerts = (await sut.request('GET', '/api/v1/alerts', { token: login.accessToken })).body as AlertDto[];
    expect(alerts.map((a) => a.id)).toContain(westAlert);
    expect(alerts.map((a) => a.id)).not.toContain(icuAlert);
    expect(((await sut.request('GET', '/api/v1/floors', { token: login.accessToken })).body as unknown[]).length).toBe(
      ((await sut.request('GET', '/api/v1/floors', { token: admin })).body as unknown[]).length,
    );

    // The ordinary session machinery: refresh and logout work as after a local sign-in.
    const refreshed = await sut.request('POST', '/api/v1/auth/refresh', { body: { refreshToken: login.refreshToken } });
    expect(refreshed.status).toBe(200);

    // Provisioned without a local password: the local form refuses the account.
    const user = await userByEmail('nora@hospital.test');
    expect(user.password_hash).toBeNull();
    const local = await sut.request('POST', '/api/v1/auth/login', {
      body: { email: 'nora@hospital.test', password: 'anything-at-all' },
    });
    expect(local.status).toBe(401);

    // Audited: the provisioning (by single sign-on) and the sign-in (by the user).
    const [created] = await auditOf(`user:${user.id}`);
    expect(created).toMatchObject({
      action: 'create',
      actor: { type: 'system', label: `single sign-on ${idp.issuer}` },
      after: { role: 'nurse', scopeCareUnits: ['4 West'], provisionedBy: 'oidc' },
    });
    const signIns = await auditOf('sign_in');
    expect(signIns[0]).toMatchObject({
      action: 'create',
      actor: { type: 'user', label: 'nora@hospital.test' },
      after: { method: 'oidc', issuer: idp.issuer, subject: 'nora', role: 'nurse' },
    });
  });

  it('refuses a one-time code used twice', async () => {
    const handed = await signIn('nora');
    expect((await exchange(handed.code)).status).toBe(200);
    const again = await exchange(handed.code);
    expect(again.status).toBe(401);
    expect((await exchange(`wto_${'A'.repeat(43)}`)).status).toBe(401);
  });

  it('refuses a tampered state, without redeeming the code', async () => {
    const browser = new Browser(sut.baseUrl);
    const back = new URL(await browser.signInAtProvider((await start(browser)).href, 'nora'));
    const state = back.searchParams.get('state')!;
    back.searchParams.set('state', state.slice(0, -1) + (state.endsWith('A') ? 'B' : 'A'));
    expect(await callback(browser, back.href)).toEqual({ error: 'invalid_state' });
    const missing = new URL(back);
    missing.searchParams.delete('state');
    expect(await callback(browser, missing.href)).toEqual({ error: 'invalid_state' });
  });

  it('refuses a callback opened in another browser than the one that started (login CSRF)', async () => {
    const attacker = new Browser(sut.baseUrl);
    const started = await attacker.fetch(`${PUBLIC_URL}/api/v1/auth/oidc/start`);
    expect(started.headers.get('set-cookie')).toMatch(
      /^wt_sso=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
    );
    const back = await attacker.signInAtProvider(started.headers.get('location')!, 'bert');
    // The attacker sends the link to a nurse: her browser has no (or another) binding cookie.
    const victim = new Browser(sut.baseUrl);
    expect(await callback(victim, back)).toEqual({ error: 'invalid_state' });
    await start(victim);
    expect(await callback(victim, back)).toEqual({ error: 'invalid_state' });
  });

  it('refuses a replayed state (the pending sign-in is single use)', async () => {
    const browser = new Browser(sut.baseUrl);
    const back = await browser.signInAtProvider((await start(browser)).href, 'nora');
    expect((await callback(browser, back)).code).toMatch(/^wto_/);
    expect(await callback(browser, back)).toEqual({ error: 'invalid_state' });
  });

  it('refuses an ID token whose nonce is not the one this sign-in sent', async () => {
    const browser = new Browser(sut.baseUrl);
    const authorization = await start(browser);
    // The provider signs the nonce it was given; Wardtrack expects another one.
    await sut.query(`UPDATE oidc_pending_sign_in SET nonce = 'some-other-nonce' WHERE nonce = $1`, [
      authorization.searchParams.get('nonce'),
    ]);
    const back = await browser.signInAtProvider(authorization.href, 'nora');
    expect(await callback(browser, back)).toEqual({ error: 'sign_in_failed' });
  });

  it.each([
    ['missing', ''],
    ['wrong', 'x'.repeat(43)],
  ])('refuses the code when the PKCE verifier is %s (the provider requires it)', async (_, verifier) => {
    const browser = new Browser(sut.baseUrl);
    const authorization = await start(browser);
    await sut.query(`UPDATE oidc_pending_sign_in SET code_verifier = $2 WHERE nonce = $1`, [
      authorization.searchParams.get('nonce'),
      verifier,
    ]);
    const back = await browser.signInAtProvider(authorization.href, 'nora');
    expect(await callback(browser, back)).toEqual({ error: 'sign_in_failed' });
    // And the provider will not even start a sign-in without a challenge.
    const noChallenge = new URL(authorization);
    noChallenge.searchParams.delete('code_challenge');
    noChallenge.searchParams.delete('code_challenge_method');
    const refused = await browser.fetch(noChallenge.href);
    expect(new URL(refused.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses someone whose directory groups map to no Wardtrack role, and creates no account', async () => {
    expect(await signIn('vic')).toEqual({ error: 'no_role' });
    expect(await userByEmail('vic@hospital.test')).toBeUndefined();
  });

  it('refuses a site claim naming only sites Wardtrack does not know (it would otherwise mean "all sites")', async () => {
    expect(await signIn('olga')).toEqual({ error: 'unknown_site' });
    expect(await userByEmail('olga@hospital.test')).toBeUndefined();
  });

  it('does not take over a local account with the same, unverified, e-mail', async () => {
    await sut.request('POST', '/api/v1/users', {
      token: admin,
      body: {
        email: 'local.admin@hospital.test',
        displayName: 'Local admin',
        role: 'nurse',
        password: 'a-long-enough-password',
      },
    });
    expect(await signIn('mallory')).toEqual({ error: 'account_conflict' });
    expect((await userByEmail('local.admin@hospital.test')).role).toBe('nurse');
  });

  it('re-maps the role at every sign-in, and audits the change', async () => {
    const first = (await exchange((await signIn('bert')).code)).body as LoginResponse;
    expect(first.user.role).toBe('biomed');

    idp.setAccounts({ ...directory, bert: { ...directory.bert, groups: ['wt-admins'], care_units: ['ICU'] } });
    const second = (await exchange((await signIn('bert')).code)).body as LoginResponse;
    expect(second.user.role).toBe('admin');
    expect(second.user.id).toBe(first.user.id);
    expect((await sut.request('GET', '/api/v1/users', { token: second.accessToken })).status).toBe(200);
    const alerts = (await sut.request('GET', '/api/v1/alerts', { token: second.accessToken })).body as AlertDto[];
    expect(alerts.map((a) => a.id)).toContain(icuAlert);
    expect(alerts.map((a) => a.id)).not.toContain(westAlert);

    const [update] = await auditOf(`user:${first.user.id}`);
    expect(update).toMatchObject({
      action: 'update',
      before: { role: 'biomed', scopeCareUnits: [] },
      after: { role: 'admin', scopeCareUnits: ['ICU'], updatedBy: 'oidc' },
    });
    idp.setAccounts(directory);
  });

  it('keeps out a user an admin disabled, even though the provider says yes', async () => {
    const { code } = await signIn('bert');
    const user = await userByEmail('bert@hospital.test');
    const disabled = await sut.request('PATCH', `/api/v1/users/${user.id}`, { token: admin, body: { active: false } });
    expect(disabled.status).toBe(200);

    // Disabled between the provider's answer and the exchange: no session.
    expect((await exchange(code)).status).toBe(401);
    // And every new single sign-on is refused.
    expect(await signIn('bert')).toEqual({ error: 'account_disabled' });
    expect((await userByEmail('bert@hospital.test')).active).toBe(false);
  });

  it('passes on a refusal by the provider (the person cancelled)', async () => {
    const browser = new Browser(sut.baseUrl);
    const authorization = await start(browser);
    const state = authorization.searchParams.get('state')!;
    const back = `${CALLBACK}?error=access_denied&state=${state}&iss=${encodeURIComponent(idp.issuer)}`;
    expect(await callback(browser, back)).toEqual({ error: 'provider_error' });
  });
});

describe('single sign-on when not configured', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await TestApp.start();
  });
  afterAll(() => sut.stop());

  it('is off: no button, no redirect, no exchange', async () => {
    expect((await sut.request('GET', '/api/v1/auth/oidc/config')).body).toEqual({ enabled: false, label: null });
    expect((await sut.request('GET', '/api/v1/auth/oidc/start')).status).toBe(404);
    expect(
      (await sut.request('POST', '/api/v1/auth/oidc/exchange', { body: { code: `wto_${'A'.repeat(43)}` } })).status,
    ).toBe(404);
  });
});
