import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where the browser specs write screenshots (git-ignored). */
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

/** Where Chromium is looked for when no environment variable names it, in this order. */
export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
] as const;

/** Environment variables naming a Chromium executable, looked at first, in this order. */
export const CHROMIUM_ENV = ['CHROMIUM_PATH', 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH'] as const;

/** What to run when no Chromium is found. */
export const CHROMIUM_INSTALL_HINT =
  'apt-get install -y chromium (or set CHROMIUM_PATH to a Chromium or Chrome executable; ' +
  'RX_SSM_SKIP_BROWSER=1 skips the browser specs)';

/**
 * The Chromium the browser specs drive: the executable named by `CHROMIUM_PATH` or
 * `PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH`, else the first of `candidates` that exists. Throws,
 * naming what was tried and the install command, when there is none: a machine without a
 * browser must not pass the browser specs by skipping them.
 */
export function findChromium(
  env: Record<string, string | undefined> = process.env,
  candidates: readonly string[] = CHROMIUM_CANDIDATES,
  exists: (path: string) => boolean = existsSync,
): string {
  for (const name of CHROMIUM_ENV) {
    const path = env[name];
    if (!path) continue;
    if (exists(path)) return path;
    throw new Error(`${name}=${path}: no such file. Install Chromium: ${CHROMIUM_INSTALL_HINT}`);
  }
  const found = candidates.find((path) => exists(path));
  if (found) return found;
  const tried = [...CHROMIUM_ENV.map((name) => `$${name}`), ...candidates].join(', ');
  throw new Error(
    `No Chromium for the browser specs (tried ${tried}). Install it: ${CHROMIUM_INSTALL_HINT}`,
  );
}

/** `RX_SSM_SKIP_BROWSER=1`: the browser specs are skipped, and say so. */
export const skipBrowser = process.env.RX_SSM_SKIP_BROWSER === '1';
if (skipBrowser) console.warn('RX_SSM_SKIP_BROWSER=1: the Chromium specs are skipped');

/**
 * Whether the browser specs run: always, unless `RX_SSM_SKIP_BROWSER=1`. Without a Chromium they
 * fail ({@link launchChromium} throws with the install command) rather than skip.
 */
export const hasChromium = !skipBrowser;

/**
 * Headless Chromium ({@link findChromium}) with a fresh profile, autoplay allowed and no background
 * traffic. Throws with the install command when there is no Chromium.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** A page whose uncaught errors and console errors are kept, to explain a failure. */
export async function openPage(
  browser: Browser,
  url: string,
): Promise<Page & { problems: string[] }> {
  const page = Object.assign(await browser.newPage({ viewport: { width: 1200, height: 760 } }), {
    problems: [] as string[],
  });
  page.on('pageerror', (error) => page.problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(`console: ${message.text()}`);
  });
  await page.goto(url);
  return page;
}

/** Writes a screenshot of `page` to {@link ARTIFACTS}. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path });
  return path;
}

/** Resolves once `check` holds, polling every 50 ms; rejects with `what` after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One answer a page got, with what its request carried. */
export interface PageAnswer {
  path: string;
  /** The request's `nv-authorizations` header. */
  header: string;
  /** The request's body, if it had one. */
  requestBody: string;
  status: number;
  /** The answer's body; undefined when Chromium no longer has it. */
  text: string | undefined;
}

/**
 * Hands `record` each answer of `page` to a path `wanted` accepts. An answer still being read
 * when the page closes is dropped: the page is gone, and the spec is done with it (the browser
 * would otherwise reject the reading after the spec ended).
 */
export function onAnswers(
  page: Page,
  wanted: (path: string) => boolean,
  record: (answer: PageAnswer) => void,
): void {
  page.on('response', async (response) => {
    const path = new URL(response.url()).pathname;
    if (!wanted(path)) return;
    const request = response.request();
    try {
      const header = (await request.allHeaders())['nv-authorizations'] ?? '';
      // Chromium may drop a body the page read and let go of: then it stays unknown.
      const text = await response.text().catch(() => undefined);
      record({
        path,
        header,
        requestBody: request.postData() ?? '',
        status: response.status(),
        text,
      });
    } catch (error) {
      if (!page.isClosed()) throw error;
    }
  });
}
