import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually, hasChromium } from './support/chromium.js';
import { chromiumAndDemo } from './support/chromium-and-demo.js';
import { bundleBlock, codeBlocks, ROOT, typeErrors } from './support/docs-blocks.js';

const blocks = codeBlocks(join(ROOT, 'README.md'));
const SHAKA = 'Use with Shaka Player';
const PLAIN = 'Use with a plain video element';

describe('README player sections', () => {
  it('has one copy-paste block per player section', () => {
    expect([...blocks.keys()].filter((heading) => heading.startsWith('Use with'))).toEqual([
      SHAKA,
      PLAIN,
    ]);
  });

  it('its blocks type-check as an app with a bundler compiles them', () => {
    expect(
      typeErrors({
        'shaka-block': blocks.get(SHAKA) ?? '',
        'video-block': blocks.get(PLAIN) ?? '',
      }),
    ).toEqual([]);
  });
});

describe.skipIf(!hasChromium)(
  'README player blocks, run in Chromium against the demo server',
  () => {
    const run = chromiumAndDemo({ port: 0 });

    /** A page of the demo's origin that holds a `<video>` and runs the block, as an app would. */
    async function pageRunning(
      heading: string,
    ): Promise<Page & { problems: string[]; licences: string[] }> {
      const script = await bundleBlock(blocks.get(heading) ?? '', `${heading}.ts`);
      const page = Object.assign(await run.browser.newPage(), {
        problems: [] as string[],
        licences: [] as string[],
      });
      page.on('pageerror', (error) => page.problems.push(error.message));
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/license/clearkey') {
          page.licences.push(request.headers()['nv-authorizations'] ?? '');
        }
      });
      // A blank page of the demo's origin (the block fetches relative URLs), then the block.
      await page.goto(`${run.demo.url}healthz`);
      await page.setContent('<!doctype html><video muted autoplay playsinline></video>');
      await page.addScriptTag({ type: 'module', content: script });
      return page;
    }

    for (const [heading, account] of [
      [SHAKA, 'alice'],
      [PLAIN, 'bob'],
    ] as const) {
      it(`"${heading}" plays with a session, and closing the page frees it`, async () => {
        const page = await pageRunning(heading);
        await page.waitForFunction(
          () => (document.querySelector('video')?.currentTime ?? 0) > 2,
          null,
          {
            timeout: 20_000,
            polling: 100,
          },
        );
        expect(page.problems).toEqual([]);
        expect(page.licences.length).toBeGreaterThan(0);
        expect(
          page.licences.every((header) => /^[\w-]+\.[\w-]+\.[\w-]+,[\w-]{45}$/.test(header)),
        ).toBe(true);
        expect(await run.demo.liveSessions(account)).toBe(1);

        await page.close();
        await eventually(
          async () => (await run.demo.liveSessions(account)) === 0,
          'slot freed',
          2000,
        );
      });
    }
  },
);
