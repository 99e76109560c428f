import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually, hasChromium, onAnswers, openPage, screenshot } from './support/chromium.js';
import { chromiumAndDemo } from './support/chromium-and-demo.js';

interface DemoRecord {
  timeline: Array<{ at: number; text: string }>;
  errors: Array<{ device: string; code: number; text: string; isSessionLimit: boolean }>;
  zaps: Array<{ toFirstFrameMs: number; toActiveMs?: number }>;
}

const playheadOf = (page: Page, video = 'video') =>
  page.evaluate((id) => (document.getElementById(id) as HTMLVideoElement).currentTime, video);
const recordOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { demo: DemoRecord }).demo);
const textOf = async (page: Page, id: string) => (await page.locator(`#${id}`).textContent()) ?? '';

/** Waits until the playhead of `video` passes `seconds`. */
const playsPast = (page: Page, seconds: number, video = 'video') =>
  page.waitForFunction(
    ([id, s]) =>
      (document.getElementById(id as string) as HTMLVideoElement).currentTime > Number(s),
    [video, seconds],
    { timeout: 20_000, polling: 100 },
  );

function claimsOf(jws: string): {
  device: { accountId: string };
  contentRights: Array<{ contentId: string }>;
} {
  return JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

describe.skipIf(!hasChromium)('the demo page in Chromium, against the demo server', () => {
  const run = chromiumAndDemo({ port: 0 });
  let accounts = 0;

  /** The demo page for a fresh account (at most one session), ready to play. */
  async function demoPage(account = `account-${++accounts}`) {
    const page = await openPage(run.browser, `${run.demo.url}?account=${account}&maxSessions=1`);
    await page.waitForSelector('body[data-ready="true"]');
    return Object.assign(page, { account });
  }

  it('plays the ClearKey clip; every licence request carries contentToken,sessionToken', async () => {
    const page = await demoPage();
    const licences: Array<{ header: string; status?: number }> = [];
    onAnswers(
      page,
      (path) => path === '/license/clearkey',
      ({ header, status }) => licences.push({ header, status }),
    );

    await page.click('#play');
    await playsPast(page, 2);

    expect(licences.length).toBeGreaterThan(0);
    for (const { header, status } of licences) {
      const [contentToken = '', sessionToken = '', ...rest] = header.split(',');
      expect(rest).toEqual([]);
      expect(claimsOf(contentToken).device.accountId).toBe(page.account);
      expect(claimsOf(contentToken).contentRights[0]?.contentId).toBe('channel-1');
      expect(sessionToken).toMatch(/^[A-Za-z0-9_-]{45}$/);
      expect(status).toBe(200);
    }
    expect(await textOf(page, 'state')).toBe('active');
    expect(await run.demo.liveSessions(page.account)).toBe(1);
    await screenshot(page, 'demo-playing.png');
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('refuses a second page at the limit (6001), and frees the slot within 2 s of the first page closing', async () => {
    const first = await demoPage();
    await first.click('#play');
    await playsPast(first, 1);

    const second = await demoPage(first.account);
    await second.click('#play');
    const refusal = await eventually(
      async () => (await recordOf(second)).errors.find((e) => e.code === 6001),
      'the second page shows a setup error',
    );
    expect(refusal.isSessionLimit).toBe(true);
    expect(await textOf(second, 'errors')).toContain('6001');
    await second.waitForTimeout(1000);
    expect(await playheadOf(second)).toBe(0);
    expect(await run.demo.liveSessions(first.account)).toBe(1);

    const closedAt = Date.now();
    await first.close();
    await eventually(
      async () => (await run.demo.liveSessions(first.account)) === 0,
      'the slot is free',
      2000,
    );
    // Far below the server's expiry (2 × 5 s): the page's keepalive teardown freed it.
    expect(Date.now() - closedAt).toBeLessThan(2000);

    await second.click('#play');
    await playsPast(second, 2);
    expect(await run.demo.liveSessions(first.account)).toBe(1);
    await second.close();
  });

  it('Play after a refusal (6001) sends one setup and no teardown', async () => {
    const first = await demoPage();
    await first.click('#play');
    await playsPast(first, 1);

    const second = await demoPage(first.account);
    const calls: string[] = [];
    second.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/ssm/v1/sessions/')) calls.push(path.slice('/ssm/v1/sessions/'.length));
    });
    await second.click('#play');
    await eventually(
      async () => (await recordOf(second)).errors.some((e) => e.code === 6001),
      'the second page is refused',
    );
    expect(calls).toEqual(['setup']);

    // The slot is freed; Play again on the refused page.
    await first.click('#stop');
    await eventually(async () => (await run.demo.liveSessions(first.account)) === 0, 'slot freed');
    calls.length = 0;
    await second.click('#play');
    await playsPast(second, 2);
    expect(await textOf(second, 'state')).toBe('active');
    // One setup would do, and one it is: no setup abandoned (and torn down) on the way.
    expect(calls).toEqual(['setup']);
    expect(await run.demo.liveSessions(first.account)).toBe(1);
    await second.close();
    await first.close();
  });

  it('swaps sessions on every zap, async and sync, and leaks none on the server', async () => {
    const page = await demoPage();
    await page.click('#play');
    await playsPast(page, 1);

    for (const mode of ['async', 'sync']) {
      if (mode === 'sync') {
        await page.click('#sync');
        expect(await textOf(page, 'mode')).toBe('sync');
        // The page frees the slot, then loads again in the new mode; its controls wait meanwhile.
        await page.waitForSelector('#sync:not([disabled])');
        await eventually(async () => (await textOf(page, 'state')) === 'active', 'active again');
      }
      for (let zap = 0; zap < 2; zap += 1) {
        const before = (await recordOf(page)).zaps.length;
        await page.click('#zap');
        await eventually(async () => (await recordOf(page)).zaps.length > before, 'zap done');
        expect(await run.demo.liveSessions(page.account)).toBe(1);
      }
    }
    // Zaps faster than a load: superseded loads must not leave sessions behind either.
    const before = (await recordOf(page)).zaps.length;
    await page.click('#zap');
    await page.click('#zap');
    await page.click('#zap');
    await eventually(async () => (await recordOf(page)).zaps.length > before, 'the last zap done');
    expect(await textOf(page, 'state')).toBe('active');
    expect(await textOf(page, 'channel')).toBe('channel-2');
    await eventually(
      async () => (await run.demo.liveSessions(page.account)) === 1,
      'one live session after rapid zaps',
    );
    const { zaps, errors } = await recordOf(page);
    expect(zaps.every((z) => z.toFirstFrameMs > 0)).toBe(true);
    expect(errors.filter((e) => e.code !== 6002)).toEqual([]);
    expect(await textOf(page, 'zap-time')).toMatch(/\d+ ms to the first frame/);

    await page.click('#stop');
    await eventually(
      async () => (await run.demo.liveSessions(page.account)) === 0,
      'stop frees it',
    );
    // The server drops the session before its answer reaches the page.
    await eventually(async () => (await textOf(page, 'state')) === 'idle', 'the page shows idle');
    await page.close();
  });

  it('shows the limit with the in-page second device, and its release after a stop', async () => {
    const page = await demoPage();
    await page.click('#play');
    await playsPast(page, 1);

    await page.click('#second-device');
    await eventually(
      async () =>
        (await recordOf(page)).errors.find((e) => e.device === 'second' && e.code === 6001),
      'the second device is refused',
    );
    expect(await textOf(page, 'second-errors')).toContain('6001');
    expect(await textOf(page, 'second-errors')).toContain('session limit');

    await page.click('#stop');
    await eventually(async () => (await run.demo.liveSessions(page.account)) === 0, 'main stopped');
    await page.click('#second-play');
    await playsPast(page, 1, 'video2');
    expect(await textOf(page, 'second-state')).toBe('active');
    expect(await run.demo.liveSessions(page.account)).toBe(1);

    await page.click('#second-close');
    await eventually(
      async () => (await run.demo.liveSessions(page.account)) === 0,
      'second closed',
    );
    await page.close();
  });

  it('stops heartbeats in the background and catches up in the foreground', async () => {
    const page = await demoPage();
    await page.click('#play');
    await playsPast(page, 1);
    await page.click('#background');
    expect(await textOf(page, 'app-state')).toBe('background');
    const heartbeats = async () =>
      (await recordOf(page)).timeline.filter((line) => line.text.startsWith('heartbeat')).length;
    const inBackground = await heartbeats();
    await page.waitForTimeout(6000); // more than one 5 s period
    expect(await heartbeats()).toBe(inBackground);

    await page.click('#background');
    expect(await textOf(page, 'app-state')).toBe('active');
    await eventually(async () => (await heartbeats()) > inBackground, 'a catch-up heartbeat', 2000);
    await page.close();
  });
});
