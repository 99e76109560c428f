import { request } from 'node:http';
import { BehaviorSubject, filter, firstValueFrom, Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  fetchTransport,
  type LicenceAnswer,
  type SsmSource,
  ssmSession,
} from '../../packages/rx-ssm/src/index.js';
import { type Demo, startDemo } from '../../src/demo/serve.js';
import { byteRange } from '../../src/demo/static-files.js';

describe('startDemo(): one server for the page, media, tokens and the SSM server', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo({ port: 0 });
  });
  afterAll(() => demo.close());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(new URL(path, demo.url), { headers });

  it('serves the page and its bundled script', async () => {
    const page = await get('/');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const script = await get('/app.js');
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toMatch(/sourceMappingURL=app\.js\.map/);
    expect((await get('/app.js.map')).status).toBe(200);
  });

  it('serves the channels with byte ranges, and nothing else of the media folder', async () => {
    const manifest = await get('/media/channel-1/manifest.mpd');
    expect(manifest.headers.get('content-type')).toBe('application/dash+xml');
    const whole = await (await get('/media/channel-1/video/init.mp4')).arrayBuffer();
    const part = await get('/media/channel-1/video/init.mp4', { Range: 'bytes=4-11' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 4-11/${whole.byteLength}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(new Uint8Array(whole.slice(4, 12)));
    expect((await get('/media/channel-1/video/init.mp4', { Range: 'bytes=999999-' })).status).toBe(
      416,
    );
    expect((await get('/media/keys.json')).status).toBe(404);
    expect((await get('/media/channel-1/nope.m4s')).status).toBe(404);
  });

  it('does not serve outside the media folder', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const url = new URL(demo.url);
      request({ host: url.hostname, port: url.port, path: '/media/../../package.json' }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(404);
  });

  it('mints content tokens the SSM server accepts, and counts the account’s live sessions', async () => {
    const token = await (
      await get('/demo/token?channel=channel-2&account=carol&maxSessions=1')
    ).text();
    const source: SsmSource = { src: 'channel-2', token, ssmServerUrl: demo.ssmServerUrl };
    const { session$ } = ssmSession(
      { source$: new BehaviorSubject(source) },
      { transport: fetchTransport() },
    );
    const running = session$.subscribe();
    await firstValueFrom(session$.pipe(filter((state) => state.status === 'active')));
    const live = await (await get('/demo/live?account=carol')).json();
    running.unsubscribe();
    expect(live).toEqual({ account: 'carol', liveSessions: 1 });
  });

  it('serves channel-3 in DRM enforcement mode: channel-1’s media, its own content id, licences that renew the session', async () => {
    const manifest = await (await get('/media/channel-3/manifest.mpd')).text();
    expect(manifest).toBe(await (await get('/media/channel-1/manifest.mpd')).text());
    const token = await (await get('/demo/token?channel=channel-3&account=dave')).text();
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(claims.contentRights[0]).toMatchObject({
      contentId: 'channel-3',
      sessionControl: { drmEnforced: true },
    });

    const source: SsmSource = { src: 'channel-3', token, ssmServerUrl: demo.ssmServerUrl };
    const licence$ = new Subject<LicenceAnswer>();
    const { session$ } = ssmSession(
      { source$: new BehaviorSubject(source), licence$ },
      { transport: fetchTransport() },
    );
    const running = session$.subscribe();
    const active = await firstValueFrom(
      session$.pipe(filter((state) => state.status === 'active')),
    );
    const licence = await fetch(new URL('/license/clearkey', demo.url), {
      method: 'POST',
      headers: { 'nv-authorizations': active.status === 'active' ? active.authorization : '' },
      body: '{"kids":[]}',
    });
    const answer = await licence.json();
    licence$.next({ src: 'channel-3', sessionToken: answer.sessionToken });
    running.unsubscribe();
    await vi.waitFor(async () => expect(await demo.liveSessions('dave')).toBe(0));
    expect(answer.keys).toHaveLength(1);
    expect(answer.sessionToken).toMatch(/^[\w-]{45}$/);
  });

  it('refuses tokens for unknown channels, bad accounts and limits', async () => {
    for (const query of [
      'channel=channel-9&account=a',
      'channel=channel-1&account=',
      'channel=channel-1&account=a b',
      'channel=channel-1&account=a&maxSessions=-1',
      'channel=channel-1&account=a&maxSessions=1.5',
    ]) {
      expect((await get(`/demo/token?${query}`)).status).toBe(400);
    }
    expect((await get('/demo/live?account=')).status).toBe(400);
  });

  it('hands everything else to the SSM server (metrics, licences, sessions)', async () => {
    expect(await (await get('/metrics')).text()).toContain('rx_ssm_live_sessions');
    const licence = await fetch(new URL('/license/clearkey', demo.url), {
      method: 'POST',
      body: '{"kids":[]}',
    });
    expect(licence.status).toBe(401);
  });
});

describe('byteRange(header, size)', () => {
  it.each([
    [undefined, 'whole'],
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=5-', { start: 5, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=-200', { start: 0, end: 99 }],
    ['bytes=90-500', { start: 90, end: 99 }],
    ['bytes=100-', 'unsatisfiable'],
    ['bytes=9-5', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=0-1,5-6', 'whole'],
    ['items=0-1', 'whole'],
  ])('%s of 100 bytes is %j', (header, range) => {
    expect(byteRange(header, 100)).toEqual(range);
  });
});
