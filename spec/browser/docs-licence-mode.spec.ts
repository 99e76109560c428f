import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually, hasChromium } from './support/chromium.js';
import { chromiumAndDemo } from './support/chromium-and-demo.js';
import { bundleBlock, codeBlocks, ROOT, typeErrors } from './support/docs-blocks.js';

const blocks = codeBlocks(join(ROOT, 'docs', 'players.md'));
const SHAKA = 'Enforced sessions with Shaka Player';
const EME = 'Enforced sessions with plain EME';

describe('docs/players.md', () => {
  it('has one block per section', () => {
    expect([...blocks.keys()]).toEqual([SHAKA, EME]);
  });

  it('its blocks type-check as an app with a bundler compiles them', () => {
    expect(
      typeErrors({
        'enforced-shaka-block': blocks.get(SHAKA) ?? '',
        'enforced-eme-block': blocks.get(EME) ?? '',
      }),
    ).toEqual([]);
  });
});

describe.skipIf(!hasChromium)(
  'docs/players.md blocks, run in Chromium against the demo server',
  () => {
    const run = chromiumAndDemo({ port: 0, heartbeatSeconds: 1 });

    /** A page of the demo's origin holding a `<video>` that runs the block; its log and traffic. */
    async function pageRunning(heading: string) {
      const script = await bundleBlock(blocks.get(heading) ?? '', `${heading}.ts`);
      const page: Page = await run.browser.newPage();
      const seen = { problems: [] as string[], log: [] as string[], paths: [] as string[] };
      page.on('pageerror', (error) => seen.problems.push(error.message));
      page.on('console', (message) => seen.log.push(message.text()));
      page.on('request', (request) => seen.paths.push(new URL(request.url()).pathname));
      await page.goto(`${run.demo.url}healthz`);
      await page.setContent('<!doctype html><video muted autoplay playsinline></video>');
      await page.addScriptTag({ type: 'module', content: script });
      return Object.assign(page, seen);
    }

    for (const [heading, account] of [
      [SHAKA, 'erin'],
      [EME, 'frank'],
    ] as const) {
      it(`"${heading}" plays in licence mode, renewed by licence requests alone`, async () => {
        const page = await pageRunning(heading);
        await eventually(
          () => page.log.some((line) => /renewed by licence/.test(line)),
          'the session is in licence mode',
          15_000,
        );
        const licences = () => page.paths.filter((path) => path === '/license/clearkey').length;
        await eventually(() => licences() >= 4, 'three licence renewals', 15_000);
        await page.waitForFunction(
          () => (document.querySelector('video')?.currentTime ?? 0) > 1,
          null,
          {
            timeout: 20_000,
            polling: 100,
          },
        );
        const first = page.paths.indexOf('/license/clearkey');
        expect(page.paths.slice(first).filter((path) => path.endsWith('/heartbeat'))).toEqual([]);
        expect(page.log.filter((line) => line.startsWith('SSM error'))).toEqual([]);
        expect(page.problems).toEqual([]);
        expect(await run.demo.liveSessions(account)).toBe(1);

        await page.close();
        await eventually(
          async () => (await run.demo.liveSessions(account)) === 0,
          'slot freed',
          3000,
        );
      });
    }
  },
);
