import { JSDOM } from 'jsdom';
import { createElement, StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChannelPlayer } from '../../../../docs/examples/react-player.js';
import { type SpecServer, startSpecServer } from '../../../../spec/support/ssm-server.js';
import { fetchTransport, type SsmSource, type SsmTransport } from '../../src/index.js';
import { type SsmSessionProps, useSsmSession } from '../../src/react/index.js';

const nodeFetch = globalThis.fetch.bind(globalThis);

// react-dom renders into a jsdom document; everything else stays Node's, so the real server
// runs in this process (vitest's jsdom environment would swap Node's Uint8Array for jsdom's).
const dom = new JSDOM('<!doctype html><html><body></body></html>');
Object.assign(globalThis, { window: dom.window, document: dom.window.document });

let spec: SpecServer;
beforeAll(async () => {
  spec = await startSpecServer({ heartbeatSeconds: 5 });
});
afterAll(async () => {
  await spec?.server.close();
  dom.window.close();
});

/** The SDK's fetch transport, every call it sent recorded as `call`. */
function recorded() {
  const calls: string[] = [];
  const send = fetchTransport({ fetch: nodeFetch });
  const transport: SsmTransport = (req) => {
    calls.push(req.call);
    return send(req);
  };
  return { calls, transport };
}

let accounts = 0;
async function channels(max = 1) {
  const accountId = `react-${++accounts}`;
  const source = async (name: string): Promise<SsmSource> => ({
    src: `${name}.mpd`,
    token: await spec.contentToken({ accountId, contentId: name, maxSessions: max }),
    ssmServerUrl: `${spec.origin}/ssm`,
  });
  return { accountId, a: await source('a'), b: await source('b'), c: await source('c') };
}

/** A component that renders its session's state: `status src token`. */
function Player(props: SsmSessionProps & { transport: SsmTransport }) {
  const { transport, ...intents } = props;
  const { state, play } = useSsmSession(intents, { transport });
  const text =
    state.status === 'active'
      ? `active ${state.source.src} ${state.sessionToken}`
      : state.status === 'error'
        ? `error ${state.error.code}`
        : state.status;
  return createElement('button', { onClick: play, type: 'button' }, text);
}

let container: HTMLElement;
let root: Root;
afterEach(() => {
  root?.unmount();
  container?.remove();
});

function mount(element: ReturnType<typeof createElement>) {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  root.render(element);
}
const shown = () => container.textContent ?? '';

describe('useSsmSession with React 19 and react-dom', () => {
  it('StrictMode mounts twice: one setup, one session; unmount tears it down', async () => {
    const { accountId, a } = await channels();
    const { calls, transport } = recorded();
    mount(createElement(StrictMode, null, createElement(Player, { source: a, transport })));
    await expect.poll(shown).toMatch(/^active a\.mpd /);
    expect(calls).toEqual(['setup']);
    expect(await spec.server.liveSessions(accountId)).toBe(1);

    root.unmount();
    await expect.poll(() => spec.server.liveSessions(accountId)).toBe(0);
    expect(calls).toEqual(['setup', 'teardown']);
  });

  it('fast prop changes (a → b → c at the limit of 1) end with c active and one session', async () => {
    const { accountId, a, b, c } = await channels(1);
    const { transport } = recorded();
    mount(createElement(Player, { source: a, transport }));
    await expect.poll(shown).toMatch(/^active a\.mpd /);
    root.render(createElement(Player, { source: b, transport }));
    root.render(createElement(Player, { source: c, transport }));
    await expect.poll(shown).toMatch(/^active c\.mpd /);
    await expect.poll(() => spec.server.liveSessions(accountId)).toBe(1);
    root.unmount();
    await expect.poll(() => spec.server.liveSessions(accountId)).toBe(0);
  });

  it('unmount during setup: the setup is answered, then torn down; nothing is left', async () => {
    const { accountId, a } = await channels();
    const { calls, transport } = recorded();
    mount(createElement(Player, { source: a, transport }));
    await expect.poll(() => calls).toEqual(['setup']);
    root.unmount();
    await expect.poll(() => calls).toEqual(['setup', 'teardown']);
    expect(await spec.server.liveSessions(accountId)).toBe(0);
  });

  it('playing: false stops (teardown, idle); true again sets up a fresh session', async () => {
    const { accountId, a } = await channels();
    const { calls, transport } = recorded();
    mount(createElement(Player, { source: a, transport }));
    await expect.poll(shown).toMatch(/^active a\.mpd /);
    const first = shown();
    root.render(createElement(Player, { source: a, playing: false, transport }));
    await expect.poll(shown).toBe('idle');
    expect(await spec.server.liveSessions(accountId)).toBe(0);
    root.render(createElement(Player, { source: a, playing: true, transport }));
    await expect.poll(shown).toMatch(/^active a\.mpd /);
    expect(shown()).not.toBe(first);
    expect(calls).toEqual(['setup', 'teardown', 'setup']);
  });

  it('play() after a refusal at the limit tries again once the slot is free', async () => {
    const { accountId, a, b } = await channels(1);
    const holder = recorded();
    const other = document.createElement('div');
    const otherRoot = createRoot(other);
    otherRoot.render(createElement(Player, { source: a, transport: holder.transport }));
    await expect.poll(() => other.textContent).toMatch(/^active a\.mpd /);

    const { transport } = recorded();
    mount(createElement(Player, { source: b, transport }));
    await expect.poll(shown).toBe('error 6001');
    otherRoot.unmount();
    await expect.poll(() => spec.server.liveSessions(accountId)).toBe(0);
    container.querySelector('button')?.click();
    await expect.poll(shown).toMatch(/^active b\.mpd /);
  });
});

describe('docs/examples/react-player.tsx, the guide’s example', () => {
  it('plays the first channel, zaps on a click, stops and plays again, leaving nothing', async () => {
    const { accountId, a, b } = await channels(1);
    mount(createElement(ChannelPlayer, { channels: [a, b] }));
    const output = () => container.querySelector('output')?.textContent;
    const button = (text: string) =>
      [...container.querySelectorAll('button')].find((el) => el.textContent === text);
    await expect.poll(output).toBe('active');
    expect(container.querySelector('video')?.dataset.src).toBe(a.src);

    button(b.src)?.click();
    await expect.poll(() => container.querySelector('video')?.dataset.src).toBe(b.src);
    expect(await spec.server.liveSessions(accountId)).toBe(1);

    button('Stop')?.click();
    await expect.poll(output).toBe('idle');
    await expect.poll(() => spec.server.liveSessions(accountId)).toBe(0);
    button('Play')?.click();
    await expect.poll(output).toBe('active');
    root.unmount();
    await expect.poll(() => spec.server.liveSessions(accountId)).toBe(0);
  });

  it('the example loads the live source once: its effect does not run again at every heartbeat', async () => {
    const fast = await startSpecServer({ heartbeatSeconds: 1 });
    let restore = () => {};
    try {
      const accountId = `react-${++accounts}`;
      const a: SsmSource = {
        src: 'a.mpd',
        token: await fast.contentToken({ accountId, contentId: 'a', maxSessions: 1 }),
        ssmServerUrl: `${fast.origin}/ssm`,
      };
      // Every run of the effect reads the <video>'s dataset: count those reads.
      const proto = dom.window.HTMLElement.prototype;
      const dataset = Object.getOwnPropertyDescriptor(proto, 'dataset');
      let reads = 0;
      Object.defineProperty(proto, 'dataset', {
        configurable: true,
        get() {
          if ((this as HTMLElement).tagName === 'VIDEO') reads += 1;
          return dataset?.get?.call(this);
        },
      });
      restore = () => dataset && Object.defineProperty(proto, 'dataset', dataset);
      mount(createElement(ChannelPlayer, { channels: [a] }));
      const heartbeats = async () =>
        Number(
          /^rx_ssm_heartbeats_total (\d+)$/m.exec(
            await (await nodeFetch(`${fast.origin}/metrics`)).text(),
          )?.[1] ?? 0,
        );
      await expect.poll(() => reads, { timeout: 10_000 }).toBeGreaterThan(0);
      const loaded = reads;
      const before = await heartbeats();
      await expect.poll(heartbeats, { timeout: 15_000 }).toBeGreaterThanOrEqual(before + 3);
      expect(reads).toBe(loaded);
      root.unmount();
      await expect.poll(() => fast.server.liveSessions(accountId)).toBe(0);
    } finally {
      restore();
      await fast.server.close();
    }
  }, 30_000);
});
