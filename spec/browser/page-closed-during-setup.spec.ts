// A page closed while its setup is in flight: the browser cancels the request, and the reference
// server ends the session it had just admitted instead of holding the account's slot until it
// expires (the page never learnt its token, so its page-hide teardown cannot send one). The demo
// server answers every SSM call 1.5 s late here, so the page can close between the admission and
// the answer, as it does on a slow network.
import { describe, expect, it } from 'vitest';
import { eventually, hasChromium, openPage } from './support/chromium.js';
import { chromiumAndDemo } from './support/chromium-and-demo.js';

const ANSWER_DELAY_MS = 1500;

describe.skipIf(!hasChromium)('a demo page closed during its setup, in Chromium', () => {
  const run = chromiumAndDemo({ port: 0, responseDelayMs: ANSWER_DELAY_MS });

  it('frees the slot once the server would have answered, far sooner than the session expires', async () => {
    const account = 'closed-during-setup';
    const page = await openPage(run.browser, `${run.demo.url}?account=${account}&maxSessions=1`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('#play');
    // Admitted by the store; the answer is on its way.
    await eventually(
      async () => (await run.demo.liveSessions(account)) === 1,
      'the server admits the setup',
    );
    expect(await page.locator('#state').textContent()).toBe('setting-up');

    const closedAt = Date.now();
    await page.close();
    await eventually(
      async () => (await run.demo.liveSessions(account)) === 0,
      'the slot is free',
      ANSWER_DELAY_MS + 2000,
    );
    // The session's first expiry is 10 s away: the server ended it when the answer could not go out.
    expect(Date.now() - closedAt).toBeLessThan(ANSWER_DELAY_MS + 2000);

    // The account's one slot is usable again at once.
    const next = await openPage(run.browser, `${run.demo.url}?account=${account}&maxSessions=1`);
    await next.waitForSelector('body[data-ready="true"]');
    await next.click('#play');
    await eventually(
      async () => (await next.locator('#state').textContent()) === 'active',
      'plays',
    );
    expect(await run.demo.liveSessions(account)).toBe(1);
    expect(next.problems).toEqual([]);
    await next.close();
  });
});
