import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, eventually, hasChromium, onAnswers, openPage } from './support/chromium.js';
import { chromiumAndDemo } from './support/chromium-and-demo.js';

/** A screenshot of the page's player panel, for docs/concurrency-policy.md. */
async function panelShot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page
    .locator('main section')
    .first()
    .screenshot({ path: join(ARTIFACTS, name) });
}

const textOf = async (page: Page, selector: string) =>
  (await page.locator(selector).textContent()) ?? '';
const playsPast = (page: Page, seconds: number) =>
  page.waitForFunction(
    (s) => (document.getElementById('video') as HTMLVideoElement).currentTime > s,
    seconds,
    { timeout: 20_000, polling: 100 },
  );

describe.skipIf(!hasChromium)(
  'the demo at the limit: two real pages of one account in Chromium',
  () => {
    // A 1 s period: the stopped page learns it on its next heartbeat.
    const run = chromiumAndDemo({ port: 0, heartbeatSeconds: 1 });

    /** A page of its own browser context (its own localStorage: its own device), named `name`. */
    async function device(account: string, name: string, channel = 'channel-1') {
      const query = `account=${account}&maxSessions=1&channel=${channel}`;
      const page = await openPage(run.browser, `${run.demo.url}?${query}`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.fill('#device-name', name);
      await page.dispatchEvent('#device-name', 'change');
      return page;
    }

    it('a refused tab lists the device that plays, stops it and plays here; the stopped tab says so; the server counts one session throughout', async () => {
      const account = 'at-the-limit-1';
      const tv = await device(account, 'Living-room TV');
      await tv.click('#play');
      await playsPast(tv, 1);
      expect(await run.demo.liveSessions(account)).toBe(1);

      const laptop = await device(account, 'Laptop');
      const setups: Array<{ body: string; status: number }> = [];
      onAnswers(
        laptop,
        (path) => path === '/ssm/v1/sessions/setup',
        ({ requestBody, status }) => setups.push({ body: requestBody, status }),
      );
      await laptop.click('#play');
      await laptop.waitForSelector('#held:not([hidden])');
      expect(await textOf(laptop, '#held p')).toBe('Your account is playing on:');
      const holders = await laptop.locator('#held-list li').allTextContents();
      expect(holders).toHaveLength(1);
      expect(holders[0]).toMatch(
        /^Living-room TV · channel-1 since \d{1,2}:\d{2}:\d{2}.*Stop it and watch here$/,
      );
      expect(await run.demo.liveSessions(account)).toBe(1);
      // The laptop named itself in its setup: a stable id from localStorage, the edited name.
      const [refused] = setups;
      expect(refused?.status).toBe(403);
      const sent = JSON.parse(refused?.body ?? '{}') as { device: { id: string; name: string } };
      expect(sent.device.name).toBe('Laptop');
      const storedId = await laptop.evaluate(() => localStorage.getItem('rx-ssm-demo.device-id'));
      expect(sent.device.id).toBe(storedId);
      await panelShot(laptop, 'concurrency-at-the-limit.png');

      await laptop.click('#held-list button');
      await playsPast(laptop, 1);
      expect(await textOf(laptop, '#state')).toBe('active');
      expect(await laptop.locator('#held').isHidden()).toBe(true);
      await tv.waitForSelector('#stopped-remotely:not([hidden])', { timeout: 10_000 });
      expect(await textOf(tv, '#stopped-remotely')).toBe('Stopped from another device');
      await eventually(async () => (await textOf(tv, '#state')) !== 'active', 'the TV stopped');
      expect(await run.demo.liveSessions(account)).toBe(1);
      await panelShot(tv, 'concurrency-stopped-remotely.png');

      // The same device keeps its id across a reload, and its name.
      await laptop.reload();
      await laptop.waitForSelector('body[data-ready="true"]');
      expect(await laptop.inputValue('#device-name')).toBe('Laptop');
      expect(await laptop.evaluate(() => localStorage.getItem('rx-ssm-demo.device-id'))).toBe(
        storedId,
      );

      for (const page of [tv, laptop]) {
        // The refused setup and the refused heartbeat are the only resources that failed.
        expect(page.problems.filter((p) => !p.endsWith('status of 403 (Forbidden)'))).toEqual([]);
        await page.close();
      }
      await eventually(async () => (await run.demo.liveSessions(account)) === 0, 'nothing left');
    });

    it('licence mode (channel-3, DRM enforcement): the TV learns it was stopped from its refused licence renewal', async () => {
      const account = 'at-the-limit-2';
      const tv = await device(account, 'Living-room TV', 'channel-3');
      await tv.click('#play');
      await playsPast(tv, 1);
      await eventually(async () => (await textOf(tv, '#renewal')) === 'licence', 'licence mode');

      const laptop = await device(account, 'Laptop', 'channel-3');
      await laptop.click('#play');
      await laptop.waitForSelector('#held:not([hidden])');
      expect(await laptop.locator('#held-list li').allTextContents()).toEqual([
        expect.stringMatching(/^Living-room TV · channel-3 since /),
      ]);
      await laptop.click('#held-list button');
      await playsPast(laptop, 1);
      await tv.waitForSelector('#stopped-remotely:not([hidden])', { timeout: 10_000 });
      const tvErrors = await tv.evaluate(
        () => (window as unknown as { demo: { errors: Array<{ text: string }> } }).demo.errors,
      );
      expect(tvErrors.map((e) => e.text)).toContainEqual(
        expect.stringContaining('stopped from another device'),
      );
      expect(await run.demo.liveSessions(account)).toBe(1);
      for (const page of [tv, laptop]) await page.close();
      await eventually(async () => (await run.demo.liveSessions(account)) === 0, 'nothing left');
    });
  },
);
