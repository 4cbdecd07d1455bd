import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FloorDetailDto, FloorSummaryDto, LoginResponse } from '@wardtrack/contracts';
import { EmbeddedProcess, freePort } from './embedded-process';

/**
 * Accepted means durable, on embedded defaults too: the real `npm start` build (PGlite + the
 * database-backed queue) is killed with SIGKILL while a reader streams batches, then restarted
 * on the same data directory; every batch that got a 202 must end up processed.
 * Needs the backend build (the nx test target depends on it).
 */
describe('embedded defaults survive a crash', () => {
  let dataDir: string;
  let sut: EmbeddedProcess;
  let token: string;
  let apiKey: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wardtrack-crash-'));
    sut = new EmbeddedProcess(dataDir, await freePort(), { DEMO_SIMULATOR: 'false' });
    await sut.start('all');
    const login = await fetch(`${sut.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@wardtrack.demo', password: 'wardtrack-demo' }),
    });
    token = ((await login.json()) as LoginResponse).accessToken;
    const auth = { authorization: `Bearer ${token}` };
    const [floor] = (await (await fetch(`${sut.url}/api/v1/floors`, { headers: auth })).json()) as FloorSummaryDto[];
    const detail = (await (
      await fetch(`${sut.url}/api/v1/floors/${floor.id}`, { headers: auth })
    ).json()) as FloorDetailDto;
    const device = await fetch(`${sut.url}/api/v1/devices`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        code: 'RDR-CRASH',
        name: 'Crash test reader',
        kind: 'rfid_reader',
        vendorFormat: 'generic',
        antennas: [{ port: 1, zoneId: detail.zones[0].id }],
      }),
    });
    apiKey = ((await device.json()) as { apiKey: string }).apiKey;
  }, 90_000);

  afterAll(async () => {
    await sut.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Posts batches back to back (one new tag per batch) until stopped; returns the tags of 202-answered batches. */
  function stream(prefix: string) {
    const acknowledged: string[] = [];
    let running = true;
    const done = (async () => {
      for (let i = 0; running; i++) {
        const tagId = `${prefix}${String(i).padStart(6, '0')}`;
        try {
          const res = await fetch(`${sut.url}/api/v1/ingest/generic`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
            body: JSON.stringify({ reads: [{ tagId, antenna: 1, rssi: -50, seenAt: new Date().toISOString() }] }),
          });
          if (res.status === 202) acknowledged.push(tagId);
        } catch {
          // the process is gone: whatever was not acknowledged may be lost, by contract
        }
      }
    })();
    return {
      acknowledged,
      stop: async () => {
        running = false;
        await done;
      },
    };
  }

  async function located(tagIds: string[]): Promise<string[]> {
    const missing: string[] = [];
    for (const tagId of tagIds) {
      const res = await fetch(`${sut.url}/api/v1/tags/${tagId}/location`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (res.status !== 200) missing.push(tagId);
    }
    return missing;
  }

  async function allLocated(tagIds: string[], timeoutMs = 30_000): Promise<string[]> {
    const until = Date.now() + timeoutMs;
    let missing = tagIds;
    while (missing.length > 0 && Date.now() < until) {
      missing = await located(missing);
      if (missing.length > 0) await new Promise((r) => setTimeout(r, 250));
    }
    return missing;
  }

  it('processes, after a restart, the batches an api-only process accepted before it was killed', async () => {
    await sut.stop();
    await sut.start('api'); // no worker: everything accepted is still waiting in the queue
    const s = stream('CRASHA');
    while (s.acknowledged.length < 30) await new Promise((r) => setTimeout(r, 20));
    await sut.kill();
    await s.stop();
    await sut.start('all');
    expect(await allLocated([...s.acknowledged])).toEqual([]);
  }, 120_000);

  it('loses no acknowledged batch when killed mid-stream while processing', async () => {
    const s = stream('CRASHB');
    while (s.acknowledged.length < 60) await new Promise((r) => setTimeout(r, 20));
    await sut.kill();
    await s.stop();
    expect(s.acknowledged.length).toBeGreaterThanOrEqual(60);
    await sut.start('all');
    expect(await allLocated([...s.acknowledged])).toEqual([]);
  }, 120_000);
});
