import { JSDOM } from 'jsdom';
import { createElement, StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SpecServer, startSpecServer } from '../../../../spec/support/ssm-server.js';
import { fetchTransport, type SsmDevice, type SsmSource } from '../../src/index.js';
import { useSsmSession } from '../../src/react/index.js';

const nodeFetch = globalThis.fetch.bind(globalThis);
const dom = new JSDOM('<!doctype html><html><body></body></html>');
Object.assign(globalThis, { window: dom.window, document: dom.window.document });

let spec: SpecServer;
beforeAll(async () => {
  // The real clock and a short period: the stopped component learns it on its next heartbeat.
  spec = await startSpecServer({ heartbeatSeconds: 0.2, clock: Date.now });
});
afterAll(async () => {
  await spec?.server.close();
  dom.window.close();
});

/**
 * A player screen: its state, and at the limit "Your account is playing on:" with one
 * "Stop it and watch here" button per holder.
 */
function Screen({ source, device }: { source: SsmSource; device: SsmDevice }) {
  const { state, heldBy, stopAndRetry, stopError } = useSsmSession(
    { source },
    { transport: fetchTransport({ fetch: nodeFetch }), device, minHeartbeatSeconds: 0.05 },
  );
  const status =
    state.status === 'error'
      ? state.error.isStoppedRemotely
        ? 'Stopped from another device'
        : `error ${state.error.code}`
      : state.status;
  return createElement(
    'div',
    null,
    createElement('output', null, status),
    stopError
      ? createElement('p', { className: 'stop-error' }, String(stopError.serverCode))
      : null,
    heldBy
      ? createElement(
          'ul',
          null,
          heldBy.map((held) =>
            createElement(
              'li',
              { key: held.sessionId },
              `${held.device.name} · ${held.contentId}`,
              createElement(
                'button',
                { type: 'button', onClick: () => stopAndRetry(held.sessionId) },
                'Stop it and watch here',
              ),
            ),
          ),
        )
      : null,
  );
}

const roots: Array<{ root: Root; element: HTMLElement }> = [];
afterEach(() => {
  for (const { root, element } of roots.splice(0)) {
    root.unmount();
    element.remove();
  }
});
function mount(source: SsmSource, device: SsmDevice) {
  const element = document.createElement('div');
  document.body.append(element);
  const root = createRoot(element);
  root.render(createElement(StrictMode, null, createElement(Screen, { source, device })));
  roots.push({ root, element });
  return {
    element,
    output: () => element.querySelector('output')?.textContent,
    list: () => [...element.querySelectorAll('li')].map((li) => li.firstChild?.textContent),
    button: () => element.querySelector('button'),
    unmount: () => root.unmount(),
  };
}

let accounts = 0;
async function channel(contentId = 'channel-1') {
  const accountId = `react-limit-${++accounts}`;
  const source: SsmSource = {
    src: `${contentId}.mpd`,
    token: await spec.contentToken({ accountId, contentId, maxSessions: 1 }),
    ssmServerUrl: `${spec.origin}/ssm`,
  };
  return { accountId, source };
}

describe('useSsmSession at the limit, with React 19 and react-dom against the reference server', () => {
  it('25. two components of one account at limit 1: the second lists the first, stops it and plays; the first ends stopped remotely', async () => {
    const { accountId, source } = await channel();
    const first = mount(source, { id: 'tv-1', name: 'Living-room TV', type: 'tv' });
    await expect.poll(first.output).toBe('active');

    const second = mount(source, { id: 'phone-1', name: 'Phone', type: 'phone' });
    await expect.poll(second.output).toBe('error 6001');
    expect(second.list()).toEqual(['Living-room TV · channel-1']);
    expect(first.list()).toEqual([]);

    second.button()?.click();
    await expect.poll(second.output).toBe('active');
    await expect.poll(first.output).toBe('Stopped from another device');
    // heldBy belongs to the refusal: gone once the second plays.
    expect(second.list()).toEqual([]);
    expect(await spec.server.liveSessions(accountId)).toBe(1);

    first.unmount();
    second.unmount();
    await expect.poll(() => spec.server.liveSessions(accountId)).toBe(0);
  });

  it('25. a stop that fails (the holder already ended) is stopError and plays nothing', async () => {
    const { accountId, source } = await channel();
    const first = mount(source, { id: 'tv-2', name: 'TV' });
    await expect.poll(first.output).toBe('active');
    const second = mount(source, { id: 'phone-2', name: 'Phone' });
    await expect.poll(second.output).toBe('error 6001');

    first.unmount();
    await expect.poll(() => spec.server.liveSessions(accountId)).toBe(0);
    second.button()?.click();
    await expect.poll(() => second.element.querySelector('.stop-error')?.textContent).toBe('1009');
    expect(second.output()).toBe('error 6001');
    expect(await spec.server.liveSessions(accountId)).toBe(0);
    second.unmount();
  });

  it('25. stopAndRetry with no source (unloaded) is stopError 6004 and sends nothing', async () => {
    let calls = 0;
    const counting: typeof fetch = (...args) => {
      calls += 1;
      return nodeFetch(...args);
    };
    function Unloaded() {
      const { state, stopAndRetry, stopError } = useSsmSession(
        { source: null },
        { transport: fetchTransport({ fetch: counting }) },
      );
      return createElement(
        'div',
        null,
        createElement('output', null, state.status),
        stopError
          ? createElement(
              'p',
              { className: 'stop-error' },
              `${stopError.code} ${stopError.message}`,
            )
          : null,
        createElement('button', { type: 'button', onClick: () => stopAndRetry('sid-1') }, 'Stop'),
      );
    }
    const element = document.createElement('div');
    document.body.append(element);
    const root = createRoot(element);
    root.render(createElement(StrictMode, null, createElement(Unloaded)));
    roots.push({ root, element });
    await expect.poll(() => element.querySelector('output')?.textContent).toBe('idle');

    element.querySelector('button')?.click();
    await expect
      .poll(() => element.querySelector('.stop-error')?.textContent)
      .toBe('6004 no source to stop a session for');
    expect(element.querySelector('output')?.textContent).toBe('idle');
    expect(calls).toBe(0);
  });
});
