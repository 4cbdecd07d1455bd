import { careUnitInScope, scopeSql, siteInScope, UNRESTRICTED } from './scope';

describe('scope', () => {
  const site = '00000000-0000-4000-8000-000000000001';

  it('is TRUE when unrestricted', () => {
    expect(scopeSql(UNRESTRICTED, 's.id', 'z.care_unit')).toEqual({ sql: 'TRUE', params: [] });
  });

  it('numbers its parameters from the one given', () => {
    expect(scopeSql({ siteIds: [site], careUnits: ['ICU'] }, 's.id', 'z.care_unit', 3)).toEqual({
      sql: '(s.id = ANY($3::uuid[]) AND z.care_unit = ANY($4::text[]))',
      params: [[site], ['ICU']],
    });
    expect(scopeSql({ siteIds: [], careUnits: ['ICU'] }, 's.id', 'z.care_unit')).toEqual({
      sql: '(z.care_unit = ANY($1::text[]))',
      params: [['ICU']],
    });
  });

  it('skips a dimension without a column', () => {
    expect(scopeSql({ siteIds: [], careUnits: ['ICU'] }, 's.id', null)).toEqual({ sql: 'TRUE', params: [] });
  });

  it('checks values in memory, a missing value failing only a restricted dimension', () => {
    expect(siteInScope(UNRESTRICTED, null)).toBe(true);
    expect(siteInScope({ siteIds: [site], careUnits: [] }, null)).toBe(false);
    expect(siteInScope({ siteIds: [site], careUnits: [] }, site)).toBe(true);
    expect(careUnitInScope({ siteIds: [], careUnits: ['ICU'] }, '4 West')).toBe(false);
    expect(careUnitInScope({ siteIds: [], careUnits: ['ICU'] }, 'ICU')).toBe(true);
  });
});
