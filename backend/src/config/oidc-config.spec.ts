import { loadOidcConfig } from './oidc-config';

const BASE = { OIDC_ISSUER: 'https://login.hospital.example/realms/staff', OIDC_CLIENT_ID: 'wardtrack' };

describe(loadOidcConfig.name, () => {
  it('is off without OIDC_ISSUER', () => {
    expect(loadOidcConfig({})).toEqual({ config: null, problems: [] });
  });

  it('derives the redirect URI and the return page from PUBLIC_URL, with defaults for the rest', () => {
    const { config, problems } = loadOidcConfig({ ...BASE, PUBLIC_URL: 'https://wardtrack.hospital.example/' });

    expect(problems).toEqual([]);
    expect(config).toEqual({
      issuer: BASE.OIDC_ISSUER,
      clientId: 'wardtrack',
      clientSecret: null,
      redirectUri: 'https://wardtrack.hospital.example/api/v1/auth/oidc/callback',
      spaReturnUrl: 'https://wardtrack.hospital.example/login/sso',
      scopes: ['openid', 'profile', 'email'],
      roleClaim: 'roles',
      roleMap: [
        { value: 'nurse', role: 'nurse' },
        { value: 'supply_manager', role: 'supply_manager' },
        { value: 'biomed', role: 'biomed' },
        { value: 'admin', role: 'admin' },
      ],
      siteClaim: null,
      careUnitClaim: null,
      buttonLabel: 'single sign-on',
    });
  });

  it('reads the role map in order, and names every bad variable', () => {
    const ok = loadOidcConfig({
      ...BASE,
      OIDC_REDIRECT_URI: 'https://w.example/api/v1/auth/oidc/callback',
      OIDC_ROLE_MAP: '9f1c2d3e-entra-group-id=admin, /wardtrack/nurses = nurse',
      OIDC_SCOPES: 'profile groups',
    });
    expect(ok.config?.roleMap).toEqual([
      { value: '9f1c2d3e-entra-group-id', role: 'admin' },
      { value: '/wardtrack/nurses', role: 'nurse' },
    ]);
    expect(ok.config?.scopes).toEqual(['openid', 'profile', 'groups']);
    expect(ok.config?.spaReturnUrl).toBe('/login/sso');

    const bad = loadOidcConfig({
      OIDC_ISSUER: 'http://idp.example',
      OIDC_ROLE_MAP: 'x=superuser',
      OIDC_ROLE_CLAIM: 'bad claim',
    });
    expect(bad.config).toBeNull();
    expect(bad.problems.map((p) => p.split(':')[0])).toEqual([
      'OIDC_ISSUER',
      'OIDC_CLIENT_ID',
      'OIDC_REDIRECT_URI',
      'OIDC_ROLE_MAP',
      'OIDC_ROLE_CLAIM',
    ]);
  });

  it('allows plain http only for a provider on this machine', () => {
    const local = loadOidcConfig({
      ...BASE,
      OIDC_ISSUER: 'http://127.0.0.1:8080',
      PUBLIC_URL: 'http://localhost:3000',
    });
    expect(local.problems).toEqual([]);
  });
});
