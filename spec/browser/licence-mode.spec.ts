import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { LicenceTokenPolicy } from 'rx-ssm-server';
import { describe, expect, it } from 'vitest';
import { eventually, hasChromium, onAnswers, openPage, screenshot } from './support/chromium.js';
import { chromiumAndDemo } from './support/chromium-and-demo.js';
import { ROOT } from './support/docs-blocks.js';

/** What went over the wire for one page, in order. */
interface Exchange {
  path: string;
  header: string;
  body?: string;
  status?: number;
  answer?: string;
}

const textOf = async (page: Page, id: string) => (await page.locator(`#${id}`).textContent()) ?? '';
const timelineOf = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { demo: { timeline: Array<{ text: string }> } }).demo.timeline.map(
      (line) => line.text,
    ),
  );
const KEYS = JSON.parse(readFileSync(join(ROOT, 'docs/demo/media/keys.json'), 'utf8')) as Record<
  string,
  Array<{ kid: string; k: string }>
>;

// Both licence-token policies of the server: the SDK and its adapters work unchanged in either.
describe.skipIf(!hasChromium).each<LicenceTokenPolicy>(['rotate', 'stable'])(
  'DRM enforcement in Chromium: Shaka plays channel-3, renewed by its licences (licence tokens %s)',
  (licenceTokens) => {
    const run = chromiumAndDemo({ port: 0, heartbeatSeconds: 1, licenceTokens });

    /** The server's counter `name`. */
    async function metric(name: string): Promise<number> {
      const body = await (await fetch(new URL('/metrics', run.demo.url))).text();
      return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(body)?.[1] ?? Number.NaN);
    }

    /** The demo page on channel-3 for `account`, with every SSM and licence exchange recorded. */
    async function enforcedPage(account: string) {
      const exchanges: Exchange[] = [];
      const page = await openPage(
        run.browser,
        `${run.demo.url}?account=${account}&maxSessions=1&channel=channel-3`,
      );
      onAnswers(
        page,
        (path) => path === '/license/clearkey' || path.startsWith('/ssm/'),
        ({ path, header, requestBody, status, text }) =>
          exchanges.push({ path, header, body: requestBody, status, answer: text }),
      );
      await page.waitForSelector('body[data-ready="true"]');
      return Object.assign(page, { exchanges });
    }

    it('plays for at least 5 periods with licence renewals only, one live session, none after stop', async () => {
      const heartbeatsBefore = await metric('rx_ssm_heartbeats_total');
      const page = await enforcedPage('enforced-1');
      await page.click('#play');

      const licences = () =>
        page.exchanges.filter((e) => e.path === '/license/clearkey' && e.status === 200);
      // The first licence, then one renewal per 1 s period: 6 answers are 5 periods.
      await eventually(() => licences().length >= 6, 'six licence answers', 20_000);
      await page.waitForFunction(
        () => (document.getElementById('video') as HTMLVideoElement).currentTime > 2,
        null,
        { timeout: 20_000, polling: 100 },
      );

      expect(await textOf(page, 'state')).toBe('active');
      expect(await textOf(page, 'renewal')).toBe('licence');
      expect(await textOf(page, 'channel')).toBe('channel-3 (DRM enforcement)');
      expect(await run.demo.liveSessions('enforced-1')).toBe(1);

      // Every licence answer carried the next token (a new one, or the same one kept), and the
      // next request went out with it.
      const answered = licences().map((e) => ({
        sent: e.header.split(',')[1],
        next: (JSON.parse(e.answer ?? '{}') as { sessionToken?: string }).sessionToken,
      }));
      for (const { next } of answered) expect(next).toMatch(/^[\w-]{45}$/);
      for (let i = 1; i < answered.length; i += 1) {
        expect(answered[i]?.sent).toBe(answered[i - 1]?.next);
      }
      // No heartbeat call once the first licence answer switched the session, and none renewed.
      const firstLicence = page.exchanges.findIndex((e) => e.path === '/license/clearkey');
      const heartbeats = page.exchanges
        .slice(firstLicence)
        .filter((e) => e.path.endsWith('/heartbeat'));
      expect(heartbeats).toEqual([]);
      expect(await metric('rx_ssm_heartbeats_total')).toBe(heartbeatsBefore);
      expect(await metric('rx_ssm_licence_renewals_total')).toBeGreaterThanOrEqual(6);

      const timeline = await timelineOf(page);
      expect(timeline.filter((line) => line.startsWith('licence mode'))).toHaveLength(1);
      expect(
        timeline.filter((line) => line.startsWith('licence renewal ✓')).length,
      ).toBeGreaterThanOrEqual(5);
      expect(timeline.filter((line) => line.startsWith('heartbeat'))).toEqual([]);
      await screenshot(page, 'demo-licence-mode.png');

      await page.click('#stop');
      await eventually(
        async () => (await run.demo.liveSessions('enforced-1')) === 0,
        'stop frees it',
      );
      await eventually(async () => (await textOf(page, 'state')) === 'idle', 'the page shows idle');
      expect(await textOf(page, 'renewal')).toBe('-');
      expect(page.problems).toEqual([]);
      await page.close();
    });

    it('a Widevine license-renewal request through Shaka’s networking engine goes to renewal-license-wv and comes back as licence bytes', async () => {
      const page = await enforcedPage('enforced-2');
      await page.click('#play');
      await eventually(async () => (await textOf(page, 'renewal')) === 'licence', 'licence mode');

      const challenge = [0x08, 0x04, 0x12, 0x20, 0xfe, 0x00, 0x7b];
      const { licence, tokenAfter } = await page.evaluate(async (bytes) => {
        type Shaka = typeof import('shaka-player').default;
        const { shaka, player, session } = (
          window as unknown as {
            demoShaka: {
              shaka: Shaka;
              player: () => InstanceType<Shaka['Player']>;
              session: () => import('../../packages/rx-ssm/src/index.js').SsmSession;
            };
          }
        ).demoShaka;
        const request = shaka.net.NetworkingEngine.makeRequest(
          [new URL('/license/clearkey', location.href).href],
          shaka.net.NetworkingEngine.defaultRetryParameters(),
        );
        request.method = 'POST';
        request.body = new Uint8Array(bytes);
        request.licenseRequestType = 'license-renewal';
        request.drmInfo = { keySystem: 'com.widevine.alpha' } as typeof request.drmInfo;
        const engine = player().getNetworkingEngine()!;
        const response = await engine.request(
          shaka.net.NetworkingEngine.RequestType.LICENSE,
          request,
        ).promise;
        // The session replays its latest state at once.
        let tokenAfter = '';
        session()
          .session$.subscribe((state) => {
            if (state.status === 'active') tokenAfter = state.sessionToken;
          })
          .unsubscribe();
        return { licence: new TextDecoder().decode(response.data), tokenAfter };
      }, challenge);

      // The page's response events are read asynchronously: wait for this one.
      const renewal = await eventually(
        () => page.exchanges.find((e) => e.path === '/ssm/v1/renewal-license-wv'),
        'the renewal-license-wv exchange is recorded',
      );
      expect(page.exchanges.filter((e) => e.path === '/ssm/v1/renewal-license-wv')).toHaveLength(1);
      // The current session token alone, and the challenge as base64.
      expect(renewal?.header).toMatch(/^[\w-]{45}$/);
      expect(JSON.parse(renewal?.body ?? '')).toEqual({
        challenge: Buffer.from(challenge).toString('base64'),
      });
      expect(renewal?.status).toBe(200);
      // The answer's licence, unwrapped into the bytes Shaka hands the CDM: the reference server
      // has no Widevine, so the content's ClearKey licence stands in.
      expect(JSON.parse(licence)).toEqual({
        keys: KEYS['channel-1']?.map(({ kid, k }) => ({ kty: 'oct', kid, k })),
        type: 'temporary',
      });
      // Not sent to the licence server: all it got were ClearKey licence requests.
      const licenceBodies = page.exchanges.filter((e) => e.path === '/license/clearkey');
      expect(licenceBodies.every((e) => JSON.parse(e.body ?? '').kids !== undefined)).toBe(true);
      // The session adopted the token the renewal brought (or a newer one): the licence
      // requests go on with it.
      expect(tokenAfter).toMatch(/^[\w-]{45}$/);
      // A new token, or the same one kept (`stable`).
      if (licenceTokens === 'rotate') expect(tokenAfter).not.toBe(renewal.header);
      else expect(tokenAfter).toBe(renewal.header);
      await eventually(
        () =>
          page.exchanges.some(
            (e) => e.path === '/license/clearkey' && e.header.endsWith(`,${tokenAfter}`),
          ),
        'the next licence renewal uses the token of the Widevine renewal',
      );
      expect(await textOf(page, 'state')).toBe('active');
      expect(await run.demo.liveSessions('enforced-2')).toBe(1);

      await page.close();
      await eventually(
        async () => (await run.demo.liveSessions('enforced-2')) === 0,
        'closing frees it',
      );
    });
  },
);
