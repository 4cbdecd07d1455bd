import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { EmbeddedProcess, freePort } from '../../backend/test/embedded-process';
import { launchChromium } from './browser';

const RESULTS = resolve(__dirname, '../../test-results');

/** The part of the stored session this test looks at. */
interface StoredTokens {
  accessToken: string;
  expiresAt: number;
  refreshToken: string;
}

describe('the floor-plan map in a browser', () => {
  let app: EmbeddedProcess;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wardtrack-browser-'));
    mkdirSync(RESULTS, { recursive: true });
    app = new EmbeddedProcess(dataDir, await freePort());
    await app.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lets a nurse sign in and see tagged equipment on the floor plan', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(app.url);
    await page.getByLabel('Email').fill('nurse@wardtrack.demo');
    await page.getByLabel('Password').fill('wardtrack-demo');
    await page.getByRole('button', { name: /sign in/i }).click();

    const marker = page.locator('.wt-tag-marker').first();
    await marker.waitFor({ state: 'visible', timeout: 20_000 });
    // Demo equipment carries RFID (a GIAI-96 EPC) or BLE (an iBeacon id) tags.
    expect(await marker.getAttribute('data-tag-id')).toMatch(/^([0-9A-F]{24}|IBEACON:[0-9A-F-]{36}:\d+:\d+)$/);
    // The side list names the equipment, not just tag ids.
    await page
      .getByText(/Infusion pump IP-\d+/)
      .first()
      .waitFor();
    // The floor plan drawing itself is shown (not only the zone outlines).
    const plan = page.locator('img.leaflet-image-layer');
    await plan.waitFor({ state: 'visible' });
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('img.leaflet-image-layer');
      return img !== null && img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().width > 300;
    });
    // Nothing the page needs is blocked by our Content-Security-Policy.
    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await page.screenshot({ path: join(RESULTS, 'map.png') });
  });

  it('renews the access token unnoticed, and signing out ends the session on the server', async () => {
    const page = await browser.newPage();
    await page.goto(app.url);
    await page.getByLabel('Email').fill('nurse@wardtrack.demo');
    await page.getByLabel('Password').fill('wardtrack-demo');
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.locator('.wt-tag-marker').first().waitFor({ state: 'visible', timeout: 20_000 });
    const stored = () =>
      page.evaluate(() => JSON.parse(sessionStorage.getItem('wardtrack.session') ?? 'null') as StoredTokens | null);
    const first = await stored();
    expect(first?.refreshToken).toMatch(/^wtr_/);

    // As if the access token had run out while the page was closed: the reload refreshes it at once.
    await page.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem('wardtrack.session')!) as StoredTokens;
      sessionStorage.setItem('wardtrack.session', JSON.stringify({ ...session, expiresAt: Date.now() - 1000 }));
    });
    await page.reload();
    await page.waitForFunction(
      (old) => !(sessionStorage.getItem('wardtrack.session') ?? '').includes(old),
      first!.refreshToken,
    );
    const renewed = await stored();
    expect(renewed?.accessToken).not.toBe(first?.accessToken);
    await page.locator('.wt-tag-marker').first().waitFor({ state: 'visible', timeout: 20_000 });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You have signed out').waitFor();
    expect(await stored()).toBeNull();
    const me = await fetch(`${app.url}/api/v1/auth/me`, {
      headers: { Authorization: `Bearer ${renewed!.accessToken}` },
    });
    expect(me.status).toBe(401);
    await page.screenshot({ path: join(RESULTS, 'signed-out.png') });
  });

  it('refuses a wrong password with a message a person understands', async () => {
    const page = await browser.newPage();
    await page.goto(app.url);
    await page.getByLabel('Email').fill('nurse@wardtrack.demo');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByText('Email or password is incorrect').waitFor();
    expect(await page.locator('.wt-tag-marker').count()).toBe(0);
  });
});
