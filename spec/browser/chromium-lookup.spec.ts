import { describe, expect, it } from 'vitest';
import { CHROMIUM_CANDIDATES, findChromium } from './support/chromium.js';

/** Only the paths in `present` exist. */
const existing =
  (...present: string[]) =>
  (path: string) =>
    present.includes(path);

describe('findChromium(env, candidates): the browser the Chromium specs drive', () => {
  it('with no Chromium anywhere, fails loudly with the install command', () => {
    expect(() => findChromium({}, [], existing())).toThrow(/apt-get install -y chromium/);
    expect(() => findChromium({}, CHROMIUM_CANDIDATES, existing())).toThrow(
      /tried \$CHROMIUM_PATH, \$PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH, \/usr\/bin\/chromium, \/usr\/bin\/chromium-browser, \/usr\/bin\/google-chrome/,
    );
  });

  it('takes CHROMIUM_PATH first, then PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH, then the candidates in order', () => {
    const all = existing('/opt/a', '/opt/b', '/usr/bin/chromium-browser', '/usr/bin/google-chrome');
    expect(
      findChromium(
        { CHROMIUM_PATH: '/opt/a', PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: '/opt/b' },
        CHROMIUM_CANDIDATES,
        all,
      ),
    ).toBe('/opt/a');
    expect(
      findChromium({ PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: '/opt/b' }, CHROMIUM_CANDIDATES, all),
    ).toBe('/opt/b');
    expect(findChromium({}, CHROMIUM_CANDIDATES, all)).toBe('/usr/bin/chromium-browser');
  });

  it('a variable naming a missing file is an error, not a quiet fallback', () => {
    expect(() =>
      findChromium(
        { CHROMIUM_PATH: '/nowhere/chrome' },
        CHROMIUM_CANDIDATES,
        existing('/usr/bin/chromium'),
      ),
    ).toThrow(/CHROMIUM_PATH=\/nowhere\/chrome: no such file.*apt-get install -y chromium/);
  });

  it('finds the Chromium of this machine (or RX_SSM_SKIP_BROWSER=1 says to skip)', () => {
    if (process.env.RX_SSM_SKIP_BROWSER === '1') return;
    expect(findChromium()).toMatch(/chrom/);
  });
});
