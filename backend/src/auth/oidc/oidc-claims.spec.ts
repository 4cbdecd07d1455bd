import { claimAt, mapClaims } from './oidc-claims';

const config = {
  roleClaim: 'groups',
  roleMap: [
    { value: 'wt-admins', role: 'admin' as const },
    { value: 'wt-nurses', role: 'nurse' as const },
  ],
  siteClaim: 'sites',
  careUnitClaim: 'care_units',
};

describe(mapClaims.name, () => {
  it('takes the first role of the map the person holds, and the scope claims', () => {
    const sut = mapClaims(
      {
        sub: 'abc',
        email: 'nora@hospital.test',
        email_verified: true,
        name: 'Nora',
        groups: ['wt-nurses', 'wt-admins'],
        sites: 'MAIN',
        care_units: '4 West',
      },
      config,
    );

    expect(sut).toEqual({
      subject: 'abc',
      email: 'nora@hospital.test',
      emailVerified: true,
      displayName: 'Nora',
      role: 'admin',
      sites: ['MAIN'],
      careUnits: ['4 West'],
    });
  });

  it('refuses a person holding no mapped value, and one without an e-mail address', () => {
    expect(mapClaims({ sub: 'a', email: 'a@h.test', groups: ['visitors'] }, config)).toEqual({ refused: 'no_role' });
    expect(mapClaims({ sub: 'a', groups: ['wt-nurses'] }, config)).toEqual({ refused: 'no_email' });
  });

  it('falls back to preferred_username (Entra ID) and given + family name; e-mail unverified unless said so', () => {
    const sut = mapClaims(
      { sub: 'a', preferred_username: 'n.n@h.test', given_name: 'Nora', family_name: 'N', groups: 'wt-nurses' },
      config,
    );

    expect(sut).toMatchObject({ email: 'n.n@h.test', displayName: 'Nora N', emailVerified: false, role: 'nurse' });
  });

  it('reads nested claims such as Keycloak realm roles', () => {
    expect(claimAt({ realm_access: { roles: ['wt-nurses'] } }, 'realm_access.roles')).toEqual(['wt-nurses']);
    expect(claimAt({ 'https://x/roles': ['r'] }, 'https://x/roles')).toEqual(['r']);
    expect(claimAt({ realm_access: 'x' }, 'realm_access.roles')).toBeUndefined();
  });
});
