import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
// Shared with bench/latency.mjs: headless, and no background traffic (this network is closed).
import CHROMIUM_ARGS from './chromium-args.json';

/** The system Chromium, headless, as this workplace allows (no downloads, no background networking). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  // playwright-core gives every launch a fresh, empty user-data-dir of its own.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
}
