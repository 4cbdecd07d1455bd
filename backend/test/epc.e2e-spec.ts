import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Gs1Epc } from '../src/epc/epc';
import { TestApp } from './harness';

/** GS1 EPC Tag Data Standard 1.13, Appendix E.3 (see shared/fixtures/README.md). */
const FIXTURE = resolve(__dirname, '../../../shared/fixtures/epc/gs1-tds-1.13-appendix-e3.csv');

function firstFixtureRow(): { hex: string; tagUri: string; pureIdentityUri: string; elementString: string } {
  if (!existsSync(FIXTURE)) {
    throw new Error(`EPC fixture missing: ${FIXTURE}. The shared/ fixtures directory must sit beside the checkout.`);
  }
  const [, hex, tagUri, pureIdentityUri, elementString] = readFileSync(FIXTURE, 'utf8').split(/\r?\n/)[1].split(',');
  return { hex, tagUri, pureIdentityUri, elementString };
}

describe('epc', () => {
  let sut: TestApp;
  let nurse: string;

  beforeAll(async () => {
    sut = await TestApp.start();
    nurse = await sut.signIn('nurse');
  });
  afterAll(() => sut.stop());

  it('decodes the TDS example SGTIN-96 for a nurse', async () => {
    const row = firstFixtureRow();
    const res = await sut.request('GET', `/api/v1/epc/${row.hex.toLowerCase()}`, { token: nurse });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      kind: 'gs1',
      scheme: 'sgtin-96',
      hex: row.hex,
      companyPrefix: '0614141',
      tagUri: row.tagUri,
      pureIdentityUri: row.pureIdentityUri,
      elementString: row.elementString,
    } satisfies Partial<Gs1Epc>);
  });

  it('answers a tag it cannot decode with 200 and the reason', async () => {
    const res = await sut.request('GET', '/api/v1/epc/E2801160600002054C6F2A11', { token: nurse });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ kind: 'raw', hex: 'E2801160600002054C6F2A11', reason: expect.stringMatching(/TID/) });
  });

  it('refuses a caller without a token', async () => {
    expect((await sut.request('GET', '/api/v1/epc/3074257BF7194E4000001A85')).status).toBe(401);
  });

  it.each(['not-hex-at-all', '3074257BF7194E4000001A8G', '1234567', 'A'.repeat(65)])(
    'rejects %s with 400 naming hex',
    async (hex) => {
      const res = await sut.request('GET', `/api/v1/epc/${hex}`, { token: nurse });
      expect(res.status).toBe(400);
      expect((res.body as { message: string }).message).toMatch(/^hex: /);
    },
  );
});
