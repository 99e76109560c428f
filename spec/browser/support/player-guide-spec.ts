import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { accountSessions, stopSession } from '../../../packages/rx-ssm/src/fetch.js';
import { eventually, hasChromium, onAnswers } from './chromium.js';
import { type ChromiumAndDemo, chromiumAndDemo } from './chromium-and-demo.js';
import { bundleBlock, codeBlocks, ROOT, typeErrors } from './docs-blocks.js';

/** One request of the page to the licence server or SSM, as it went out and was answered. */
interface Exchange {
  path: string;
  header: string;
  status: number;
  answer?: string;
}

type BlockPage = Page & { problems: string[]; logs: string[]; exchanges: Exchange[] };

/** A player guide of docs/ whose complete page runs in Chromium against the demo server. */
export interface PlayerGuide {
  /** The guide, e.g. `docs/dashjs.md`. */
  doc: string;
  /** The adapter's name in exports and files, e.g. `dashjs` (`dashjsIntents`). */
  name: string;
  /** How people write the player's name, e.g. `dash.js`. */
  label: string;
  /** Prefix of the accounts the spec uses, so two guides never share a limit. */
  account: string;
}

/**
 * The specs of one player guide: its page type-checks, plays the demo's channels gated by the
 * reference server, zaps without leaking a session, shows the limit, and renews channel-3 by
 * licence. The same for every player: one registration, a thin spec file per player.
 */
export function describePlayerGuide(guide: PlayerGuide): void {
  const PAGE = 'A complete page';
  const block = codeBlocks(join(ROOT, guide.doc)).get(PAGE) ?? '';

  const playsPast = (page: Page, seconds: number) =>
    page.waitForFunction((s) => (document.querySelector('video')?.currentTime ?? 0) > s, seconds, {
      timeout: 20_000,
      polling: 100,
    });

  /** Opens a page of the demo's origin running the docs block, as an app would, and records it. */
  async function openBlockPage(run: ChromiumAndDemo, query: string): Promise<BlockPage> {
    const { browser, demo } = run;
    const script = await bundleBlock(block, `${guide.name}-block.ts`);
    const page = Object.assign(await browser.newPage(), {
      problems: [] as string[],
      logs: [] as string[],
      exchanges: [] as Exchange[],
    });
    page.on('pageerror', (error) => page.problems.push(error.message));
    page.on('console', (message) => page.logs.push(message.text()));
    onAnswers(
      page,
      (path) => path === '/license/clearkey' || path.startsWith('/ssm/'),
      ({ path, header, status, text }) =>
        page.exchanges.push({ path, header, status, answer: text }),
    );
    await page.goto(`${demo.url}healthz?${query}`);
    await page.setContent('<!doctype html><video muted autoplay playsinline></video>');
    await page.addScriptTag({ type: 'module', content: script });
    return page;
  }

  const licences = (page: BlockPage) =>
    page.exchanges.filter((e) => e.path === '/license/clearkey' && e.status === 200);

  describe(guide.doc, () => {
    it('its page type-checks as an app with a bundler compiles it', () => {
      expect(block).toContain(`${guide.name}Intents`);
      expect(typeErrors({ [`${guide.name}-block`]: block })).toEqual([]);
    });
  });

  describe.skipIf(!hasChromium)(
    `${guide.label} in Chromium, gated by the demo server`,
    { timeout: 60_000 },
    () => {
      const run = chromiumAndDemo({ port: 0 });

      it('plays the ClearKey channel, zaps between channels with one session on the server, and unmount frees it', async () => {
        const page = await openBlockPage(run, `account=${guide.account}-zap`);
        await playsPast(page, 2);
        expect(licences(page).length).toBeGreaterThan(0);
        for (const { header } of page.exchanges.filter((e) => e.path === '/license/clearkey')) {
          expect(header).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+,[\w-]{45}$/);
        }
        expect(await run.demo.liveSessions(`${guide.account}-zap`)).toBe(1);

        for (const channel of ['channel-2', 'channel-1', 'channel-2']) {
          const before = licences(page).length;
          await page.evaluate(
            (name) => (window as unknown as { zapTo(n: string): void }).zapTo(name),
            channel,
          );
          await eventually(() => licences(page).length > before, `a licence for ${channel}`);
          await page.waitForFunction(
            () => (document.querySelector('video')?.currentTime ?? 0) > 1,
            null,
            {
              timeout: 20_000,
              polling: 100,
            },
          );
          await eventually(
            async () => (await run.demo.liveSessions(`${guide.account}-zap`)) === 1,
            'one live session',
          );
        }
        // Each zap was a teardown and a setup: one session per channel played, none left over.
        const setups = page.exchanges.filter((e) => e.path.endsWith('/setup'));
        const teardowns = page.exchanges.filter((e) => e.path.endsWith('/teardown'));
        expect(setups).toHaveLength(4);
        expect(teardowns).toHaveLength(3);

        await page.evaluate(() => (window as unknown as { unmount(): void }).unmount());
        await eventually(
          async () => (await run.demo.liveSessions(`${guide.account}-zap`)) === 0,
          'unmount frees it',
        );
        expect(page.problems).toEqual([]);
        await page.close();
      });

      it('at the limit a second page gets 6001 (isSessionLimit), sends no licence request, and leaks no session', async () => {
        const first = await openBlockPage(run, `account=${guide.account}-limit`);
        await playsPast(first, 1);

        const second = await openBlockPage(run, `account=${guide.account}-limit`);
        await eventually(
          () => second.logs.some((line) => line === 'SSM error 6001 (session limit)'),
          'the second page is refused',
        );
        expect(second.exchanges.filter((e) => e.path === '/license/clearkey')).toEqual([]);
        expect(await second.evaluate(() => document.querySelector('video')?.currentTime)).toBe(0);
        expect(await run.demo.liveSessions(`${guide.account}-limit`)).toBe(1);

        await second.close();
        expect(await run.demo.liveSessions(`${guide.account}-limit`)).toBe(1);
        await first.close();
        await eventually(
          async () => (await run.demo.liveSessions(`${guide.account}-limit`)) === 0,
          'none left',
        );
      });
    },
  );

  describe.skipIf(!hasChromium)(
    `${guide.label} in Chromium: channel-3 renewed by its licences`,
    { timeout: 60_000 },
    () => {
      const run = chromiumAndDemo({ port: 0, heartbeatSeconds: 1 });

      it('plays for 5+ periods with licence renewals only, each with the token of the answer before', async () => {
        const page = await openBlockPage(
          run,
          `account=${guide.account}-enforced&channel=channel-3`,
        );
        // The first licence, then one renewal per 1 s period: 6 answers are 5 periods.
        await eventually(() => licences(page).length >= 6, 'six licence answers', 20_000);
        await playsPast(page, 2);

        const answered = licences(page).map((e) => ({
          sent: e.header.split(',')[1],
          next: (JSON.parse(e.answer ?? '{}') as { sessionToken?: string }).sessionToken,
        }));
        for (const { next } of answered) expect(next).toMatch(/^[\w-]{45}$/);
        for (let i = 1; i < answered.length; i += 1) {
          expect(answered[i]?.sent).toBe(answered[i - 1]?.next);
        }
        const firstLicence = page.exchanges.findIndex((e) => e.path === '/license/clearkey');
        expect(
          page.exchanges.slice(firstLicence).filter((e) => e.path.endsWith('/heartbeat')),
        ).toEqual([]);
        expect(page.logs.filter((line) => line.startsWith('SSM error'))).toEqual([]);
        expect(await run.demo.liveSessions(`${guide.account}-enforced`)).toBe(1);

        await page.evaluate(() => (window as unknown as { unmount(): void }).unmount());
        await eventually(
          async () => (await run.demo.liveSessions(`${guide.account}-enforced`)) === 0,
          'freed',
        );
        expect(page.problems).toEqual([]);
        await page.close();
      });

      it('stopped from another device: the next licence renewal is refused 1008 and the page ends with isStoppedRemotely', async () => {
        const account = `${guide.account}-stopped`;
        const page = await openBlockPage(run, `account=${account}&channel=channel-3`);
        await eventually(() => licences(page).length >= 2, 'licence mode', 20_000);
        const source = {
          src: 'channel-3',
          token: await run.demo.contentToken({ accountId: account, contentId: 'channel-3' }),
          ssmServerUrl: `${run.demo.url}ssm`,
        };
        const [held] = await firstValueFrom(accountSessions(source));
        await firstValueFrom(stopSession(source, held?.sessionId ?? ''));
        await eventually(
          () => page.logs.includes('SSM error 6003 (stopped remotely)'),
          'the page learns it was stopped',
        );
        expect(await run.demo.liveSessions(account)).toBe(0);
        await page.close();
      });
    },
  );
}
