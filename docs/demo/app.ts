/**
 * The demo page: Shaka Player plays ClearKey-encrypted channels whose licences the reference SSM
 * server only grants to a live session. channel-3 is in DRM enforcement mode: its licence
 * requests renew the session instead of heartbeats. Everything SSM goes through rx-ssm; this
 * file is the UI.
 */

import {
  type AppState,
  fetchTransport,
  type HeldSession,
  type SsmDevice,
  type SsmError,
  type SsmSession,
  type SsmSource,
  type SsmState,
  ssmSession,
  stopSession,
} from 'rx-ssm';
import { appStateFromDocument, attachSsm, shakaIntents, teardownOnPageHide } from 'rx-ssm/players';
import {
  BehaviorSubject,
  combineLatest,
  filter,
  firstValueFrom,
  map,
  type Observable,
  pairwise,
  Subscription,
  startWith,
  timer,
} from 'rxjs';
import { type ShakaError, shaka } from './shaka.js';

const params = new URLSearchParams(location.search);
const account = params.get('account') || 'alice';
const maxSessions = Number(params.get('maxSessions') || 1);
const CHANNELS = ['channel-1', 'channel-2', 'channel-3'];
/** Renewed by its licence requests (the demo server mints its tokens with `drmEnforced`). */
const ENFORCED = new Set(['channel-3']);
const ssmServerUrl = new URL('/ssm', location.href).href;
const licenseServer = new URL('/license/clearkey', location.href).href;

/** What the page did, for people (the DOM) and for the browser specs (`window.demo`). */
const record = {
  timeline: [] as Array<{ at: number; text: string }>,
  errors: [] as Array<{ device: string; code: number; text: string; isSessionLimit: boolean }>,
  zaps: [] as Array<{ toFirstFrameMs: number; toActiveMs: number | undefined }>,
  /** The holders the latest refusal listed, as shown. */
  heldBy: [] as Array<{ sessionId: string; device: string; channel: string }>,
};
// The browser specs reach the player and its session through `window.demoShaka`.
Object.assign(window, {
  demo: record,
  demoShaka: { shaka, player: () => main.player, session: () => main.session },
});

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/**
 * This browser as an SSM device: a stable id kept in `localStorage`, and a name the viewer can
 * edit. The object is the one the session's options hold: a new name goes with the next setup.
 */
function thisDevice(): SsmDevice {
  const stored = (key: string, fallback: () => string) => {
    const value = localStorage.getItem(key) || fallback();
    localStorage.setItem(key, value);
    return value;
  };
  const id = stored('rx-ssm-demo.device-id', () => crypto.randomUUID());
  const name = stored('rx-ssm-demo.device-name', () => `Browser ${id.slice(0, 4)}`);
  return { id, name, type: 'browser' };
}
const device = thisDevice();

const manifestOf = (channel: string) =>
  new URL(`/media/${channel}/manifest.mpd`, location.href).href;
const channelOf = (uri: string) => CHANNELS.find((channel) => manifestOf(channel) === uri);

async function contentToken(channel: string, limit: number): Promise<string> {
  const query = new URLSearchParams({ channel, account, maxSessions: String(limit) });
  const response = await fetch(`/demo/token?${query}`);
  if (!response.ok) throw new Error(`no content token: HTTP ${response.status}`);
  return response.text();
}

/** A Shaka player on one `<video>`, with the SSM session of its intents. */
class Device {
  readonly player = new shaka.Player();
  session: SsmSession;
  /** Content loaded and not unloaded since (a failed load never counts). */
  loaded = false;
  private wiring = new Subscription();

  constructor(
    readonly name: string,
    readonly video: HTMLVideoElement,
    private readonly limit: number,
    private readonly appState$: Observable<AppState>,
    private readonly show: (device: Device, session: SsmSession) => Subscription,
    private readonly ssmDevice: SsmDevice,
  ) {
    this.session = this.connect(false);
  }

  async start(syncMode: boolean): Promise<void> {
    // The clip is 12 s: loop it, so heartbeats keep coming for as long as you watch.
    this.video.loop = true;
    await this.player.attach(this.video);
    this.player.configure({ drm: { servers: { 'org.w3.clearkey': licenseServer } } });
    this.player.addEventListener('loaded', () => {
      this.loaded = true;
    });
    this.player.addEventListener('unloading', (event) => {
      if (!(event as Event & { isSwitchingContent?: boolean }).isSwitchingContent) {
        this.loaded = false;
      }
    });
    this.player.addEventListener('error', (event) => {
      const error = (event as Event & { detail: ShakaError }).detail;
      showPlayerError(this.name, error);
    });
    this.rewire(syncMode);
  }

  /** A session for this player's intents, in the given mode. */
  connect(syncMode: boolean): SsmSession {
    const intents = shakaIntents(this.player, async (uri) => {
      const channel = channelOf(uri);
      return channel
        ? { src: uri, token: await contentToken(channel, this.limit), ssmServerUrl }
        : null;
    });
    return ssmSession(
      { ...intents, appState$: this.appState$ },
      { transport: fetchTransport(), syncMode, device: this.ssmDevice },
    );
  }

  rewire(syncMode: boolean): void {
    this.wiring.unsubscribe();
    this.session = this.connect(syncMode);
    this.wiring = new Subscription();
    this.wiring.add(this.show(this, this.session));
    this.wiring.add(attachSsm(this.player, this.session));
    this.wiring.add(teardownOnPageHide(window, this.session));
  }

  async load(channel: string): Promise<void> {
    this.video.autoplay = true;
    try {
      await this.player.load(manifestOf(channel));
    } catch (error) {
      // The error event shows it; a superseded load (a zap during a zap) is no failure.
      if (!(error instanceof shaka.util.Error)) showPlayerError(this.name, error);
    }
  }

  /** Resolves once the session has no slot left on the server. */
  settled(): Promise<unknown> {
    return firstValueFrom(
      this.session.session$.pipe(filter((s) => s.status === 'idle' || s.status === 'error')),
    );
  }

  async close(): Promise<void> {
    await this.player.unload();
    this.wiring.unsubscribe();
    await this.player.destroy();
  }
}

// --- rendering ---------------------------------------------------------------------------

const clock = () => new Date().toISOString().slice(11, 23);
const tail = (token: string) => `…${token.slice(-6)}`;

/** Prepends a line of `[className, text]` spans (no HTML from data), keeping the last 80. */
function addLine(list: HTMLElement, parts: Array<[string, string]>, className = ''): void {
  const item = document.createElement('li');
  for (const [partClass, text] of parts) {
    const span = document.createElement('span');
    if (partClass) span.className = partClass;
    span.textContent = text;
    item.append(span);
  }
  if (className) item.className = className;
  list.prepend(item);
  while (list.children.length > 80) list.lastElementChild?.remove();
}

/** One timeline line per state change; an `active` after `active` is a heartbeat. */
function describe(previous: SsmState | null, state: SsmState): string {
  const channel = 'source' in state ? (channelOf(state.source.src) ?? state.source.src) : '';
  switch (state.status) {
    case 'active': {
      const renewed = previous?.status === 'active' && previous.source.src === state.source.src;
      if (!renewed) {
        return `setup ✓ ${channel}, token ${tail(state.sessionToken)}, heartbeat every ${state.heartbeatSeconds} s`;
      }
      if (state.renewal === 'heartbeat') return `heartbeat ✓ token ${tail(state.sessionToken)}`;
      return previous.renewal === 'heartbeat'
        ? `licence mode: the licence renews the session, token ${tail(state.sessionToken)}`
        : `licence renewal ✓ token ${tail(state.sessionToken)}`;
    }
    case 'setting-up':
      return `setup → ${channel}`;
    case 'awaiting-token':
      return `waiting for the content token of ${channel}`;
    case 'tearing-down':
      return `teardown → ${channel}`;
    case 'error':
      return `error ${state.error.code} (${state.error.kind})`;
    case 'idle':
      return 'idle';
  }
}

function showSsmError(device: string, error: SsmError, list: HTMLElement): void {
  const limit = error.isSessionLimit
    ? ' · session limit reached'
    : error.isStoppedRemotely
      ? ' · stopped from another device'
      : '';
  const text = `${error.kind}${limit}${error.fatal ? '' : ' (not fatal)'}: ${error.message}`;
  record.errors.push({ device, code: error.code, text, isSessionLimit: error.isSessionLimit });
  addLine(list, [
    ['time', clock()],
    ['code', String(error.code)],
    ['', text],
  ]);
}

function showPlayerError(device: string, error: unknown): void {
  const list = device === 'main' ? $('errors') : $('second-errors');
  const code = error instanceof shaka.util.Error ? `Shaka error ${error.code}` : String(error);
  addLine(
    list,
    [
      ['time', clock()],
      ['', `player: ${code}`],
    ],
    'player',
  );
}

function showState(element: HTMLElement, state: SsmState): void {
  element.textContent = state.status === 'error' ? `error ${state.error.code}` : state.status;
  element.className = `state ${state.status}`;
}

function channelLabel(src: string): string {
  const channel = channelOf(src);
  if (!channel) return '-';
  return ENFORCED.has(channel) ? `${channel} (DRM enforcement)` : channel;
}

/** The main device's session on the page: state, timeline, errors. */
function showMain(device: Device, session: SsmSession): Subscription {
  const shown = new Subscription();
  shown.add(
    session.session$.pipe(startWith(null), pairwise()).subscribe(([previous, state]) => {
      if (!state) return;
      showState($('state'), state);
      const text = describe(previous, state);
      record.timeline.push({ at: Date.now(), text });
      addLine($('timeline'), [
        ['time', clock()],
        ['', text],
      ]);
      if ('source' in state) $('channel').textContent = channelLabel(state.source.src);
      $('renewal').textContent = state.status === 'active' ? state.renewal : '-';
    }),
  );
  shown.add(session.errors$.subscribe((error) => showSsmError(device.name, error, $('errors'))));
  shown.add(session.session$.subscribe(showAtTheLimit));
  return shown;
}

/**
 * At the limit: who holds the account's slots, each with "Stop it and watch here"; stopped from
 * elsewhere: the player stops and says so until the next Play.
 */
function showAtTheLimit(state: SsmState): void {
  const refusal = state.status === 'error' && state.error.isSessionLimit ? state.error : undefined;
  const heldBy = refusal?.heldBy ?? [];
  $('held').hidden = heldBy.length === 0;
  $('held-list').replaceChildren(...heldBy.map((held) => heldItem(held, refusal?.source)));
  record.heldBy = heldBy.map((held) => ({
    sessionId: held.sessionId,
    device: held.device.name ?? '',
    channel: held.contentId,
  }));
  if (state.status === 'error' && state.error.isStoppedRemotely) {
    $('stopped-remotely').hidden = false;
    void main.player.unload();
  }
}

/** One holder: its device, channel and since-when, and the button that stops it. */
function heldItem(held: HeldSession, source: SsmSource | undefined): HTMLLIElement {
  const item = document.createElement('li');
  const what = document.createElement('span');
  const name = document.createElement('b');
  name.textContent = held.device.name ?? 'an unnamed device';
  const since = document.createElement('span');
  since.className = 'since';
  since.textContent = ` since ${held.startedAt.toLocaleTimeString()}`;
  what.append(name, ` · ${held.contentId}${held.sameDevice ? ' (this device)' : ''}`, since);
  const stop = document.createElement('button');
  stop.type = 'button';
  stop.className = 'stop-held';
  stop.textContent = 'Stop it and watch here';
  stop.addEventListener('click', () => {
    if (!source) return;
    stop.disabled = true;
    stopSession(source, held.sessionId, { transport: fetchTransport() }).subscribe({
      complete: () => void main.load(channel),
      error: (error: SsmError) => {
        stop.disabled = false;
        showSsmError(main.name, error, $('errors'));
      },
    });
  });
  item.append(what, stop);
  return item;
}

/** The second device's session: its own state and errors. */
function showSecond(device: Device, session: SsmSession): Subscription {
  const shown = new Subscription();
  shown.add(session.session$.subscribe((state) => showState($('second-state'), state)));
  shown.add(
    session.errors$.subscribe((error) => showSsmError(device.name, error, $('second-errors'))),
  );
  return shown;
}

// --- wiring ------------------------------------------------------------------------------

shaka.polyfill.installAll();
const forcedBackground$ = new BehaviorSubject(false);
const appState$ = combineLatest([appStateFromDocument(document), forcedBackground$]).pipe(
  map(([page, forced]): AppState => (forced ? 'background' : page)),
);

let channel = CHANNELS.find((name) => name === params.get('channel')) ?? CHANNELS[0]!;
let syncMode = false;
let second: Device | undefined;
const main = new Device(
  'main',
  $<HTMLVideoElement>('video'),
  maxSessions,
  appState$,
  showMain,
  device,
);

$('account').textContent = account;
$('max-sessions').textContent = String(maxSessions);
appState$.subscribe((state) => {
  $('app-state').textContent = state;
});

/** Resolves once the playhead of the content just loaded moves (the old content is gone). */
function firstFrame(video: HTMLVideoElement): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (video.currentTime === 0 || video.paused) return false;
      video.removeEventListener('timeupdate', check);
      resolve();
      return true;
    };
    if (!check()) video.addEventListener('timeupdate', check);
  });
}

async function zap(): Promise<void> {
  channel = CHANNELS[(CHANNELS.indexOf(channel) + 1) % CHANNELS.length]!;
  const target = manifestOf(channel);
  const started = performance.now();
  let activeAt: number | undefined;
  const active = main.session.session$
    .pipe(filter((s) => s.status === 'active' && s.source.src === target))
    .subscribe(() => {
      activeAt ??= performance.now();
    });
  await main.load(channel);
  if (main.player.getAssetUri() !== target) return active.unsubscribe();
  await firstFrame(main.video);
  active.unsubscribe();
  const zapRecord = {
    toFirstFrameMs: Math.round(performance.now() - started),
    toActiveMs: activeAt === undefined ? undefined : Math.round(activeAt - started),
  };
  record.zaps.push(zapRecord);
  $('zap-time').textContent =
    `${zapRecord.toFirstFrameMs} ms to the first frame` +
    (zapRecord.toActiveMs === undefined
      ? ''
      : ` (session active after ${zapRecord.toActiveMs} ms)`);
}

function pressed(id: string, on: boolean): void {
  $(id).setAttribute('aria-pressed', String(on));
}

const deviceName = $<HTMLInputElement>('device-name');
deviceName.value = device.name ?? '';
deviceName.addEventListener('change', () => {
  device.name = deviceName.value.trim().slice(0, 64) || device.name;
  localStorage.setItem('rx-ssm-demo.device-name', device.name ?? '');
});

$('play').addEventListener('click', async () => {
  $('stopped-remotely').hidden = true;
  // Paused with a live session: play on. Stopped, or refused: load again (a new licence).
  const state = await firstValueFrom(main.session.session$);
  if (main.loaded && state.status === 'active') void main.video.play();
  else void main.load(channel);
});
$('stop').addEventListener('click', () => void main.player.unload());
$('zap').addEventListener('click', () => void zap());
$('background').addEventListener('click', () => {
  forcedBackground$.next(!forcedBackground$.value);
  pressed('background', forcedBackground$.value);
  $('background').textContent = forcedBackground$.value ? 'Foreground' : 'Background';
});
$('sync').addEventListener('click', async () => {
  syncMode = !syncMode;
  pressed('sync', syncMode);
  $('mode').textContent = syncMode ? 'sync' : 'async';
  // A new mode is a new pipeline: free the slot first, then play on in the new mode. The
  // controls wait meanwhile.
  const controls = [...document.querySelectorAll<HTMLButtonElement>('.controls button')];
  for (const button of controls) button.disabled = true;
  const playing = main.loaded;
  if (playing) {
    await main.player.unload();
    await main.settled();
  }
  main.rewire(syncMode);
  if (playing) await main.load(channel);
  for (const button of controls) button.disabled = false;
});
$('second-device').addEventListener('click', async () => {
  if (second) return;
  second = new Device('second', $<HTMLVideoElement>('video2'), 1, appState$, showSecond, {
    id: `${device.id}-second`,
    name: `${device.name} (second player)`,
    type: 'browser',
  });
  $('second').classList.add('open');
  await second.start(syncMode);
  await second.load(channel);
});
$('second-play').addEventListener('click', () => void second?.load(channel));
$('second-close').addEventListener('click', async () => {
  const closing = second;
  second = undefined;
  $('second').classList.remove('open');
  $('second-errors').replaceChildren();
  showState($('second-state'), { status: 'idle' });
  await closing?.close();
});

// The server's count of this account's live sessions, twice a second.
timer(0, 500).subscribe(async () => {
  try {
    const response = await fetch(`/demo/live?${new URLSearchParams({ account })}`);
    const { liveSessions } = (await response.json()) as { liveSessions: number };
    $('live-sessions').textContent = String(liveSessions);
  } catch {
    $('live-sessions').textContent = '?';
  }
});

await main.start(syncMode);
document.body.dataset.ready = 'true';
