/**
 * Debian's Chromium for every page tested in a real browser (the skew report, the catalog, its
 * benchmark and screenshots): installed with apt-get when absent, launched headless with
 * nothing phoning home.
 */
import { execSync } from 'node:child_process';
import puppeteer, { type Browser } from 'puppeteer-core';

const CHROMIUM = '/usr/bin/chromium';

export function ensureChromium(): void {
  try {
    execSync('command -v chromium', { stdio: 'ignore' });
  } catch {
    // A fresh CI machine has no browser: Debian's package (no stdin there, so no prompts).
    execSync('apt-get update && apt-get install -y chromium', {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
}

export function launchChromium(profileDir: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profileDir}`,
    ],
  });
}
