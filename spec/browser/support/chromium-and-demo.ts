import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type Demo, type DemoOptions, startDemo } from '../../../src/demo/serve.js';
import { launchChromium } from './chromium.js';

/** Headless Chromium and a demo server, for the tests of one `describe`. */
export interface ChromiumAndDemo {
  readonly browser: Browser;
  readonly demo: Demo;
}

/**
 * Launches Chromium and starts the demo server (`options`) in the calling `describe`'s
 * `beforeAll`, and closes both in its `afterAll`. The browser comes first: without one this
 * fails with the install command and starts nothing. Read `browser` and `demo` inside tests.
 */
export function chromiumAndDemo(options: DemoOptions): ChromiumAndDemo {
  let browser: Browser | undefined;
  let demo: Demo | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
    demo = await startDemo(options);
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error('Chromium and the demo start in beforeAll: read them in a test');
    return value;
  };
  return {
    get browser() {
      return started(browser);
    },
    get demo() {
      return started(demo);
    },
  };
}
