#!/usr/bin/env node
// Proves the committed demo media really plays: serves the repo root plus a
// W3C ClearKey licence endpoint, loads the clip with Shaka Player in headless
// Debian Chromium and waits for playback to pass 2 s.
//
// Usage: node scripts/check-demo-media.mjs [channel-1|channel-2] [--serve]
//   --serve  only start the server and print the page URL (no browser), to
//            look at the clip by hand; stop with Ctrl-C.
// Exit code 0 when playback advanced, 1 otherwise (Shaka errors are printed).
// Screenshot: /tmp/demo-check.png (channel-1) or /tmp/demo-check-<channel>.png.

import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = '/usr/bin/chromium';
const args = process.argv.slice(2);
const SERVE_ONLY = args.includes('--serve');
const CHANNEL = args.find((a) => !a.startsWith('--')) ?? 'channel-1';
if (!/^[\w-]+$/.test(CHANNEL)) throw new Error(`bad channel name: ${CHANNEL}`);
const MANIFEST = `/docs/demo/media/${CHANNEL}/manifest.mpd`;
const LICENSE_PATH = '/license/clearkey';
const PAGE_PATH = '/__check-demo-media.html';
const SCREENSHOT =
  CHANNEL === 'channel-1' ? '/tmp/demo-check.png' : `/tmp/demo-check-${CHANNEL}.png`;
const TARGET_TIME = 2;
const TIMEOUT_MS = 30_000;

// Mirror what a real static host sends, so the check cannot pass only
// thanks to lenient content sniffing.
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.mpd': 'application/dash+xml',
  '.mp4': 'video/mp4',
  '.m4s': 'video/iso.segment',
  '.m4a': 'audio/mp4',
  '.webm': 'video/webm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

const keysByKid = await loadKeys();
const licenseRequests = [];

const page = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>rx-ssm demo media check</title>
<link rel="icon" href="data:,">
<style>html,body{margin:0;background:#111}video{width:640px;height:360px;display:block}</style>
<script src="/node_modules/shaka-player/dist/shaka-player.compiled.js"></script>
</head>
<body>
<video id="video" muted autoplay playsinline></video>
<script>
  // State the test harness polls; errors are kept as plain data so they
  // survive the trip back through page.evaluate.
  window.check = { errors: [], loaded: false };
  const describe = (e) => ({ code: e.code, category: e.category, severity: e.severity, data: e.data });
  (async () => {
    shaka.polyfill.installAll();
    if (!shaka.Player.isBrowserSupported()) {
      window.check.errors.push({ message: 'shaka: browser not supported' });
      return;
    }
    const video = document.getElementById('video');
    const player = new shaka.Player();
    await player.attach(video);
    player.addEventListener('error', (event) => window.check.errors.push(describe(event.detail)));
    player.configure({ drm: { servers: { 'org.w3.clearkey': ${JSON.stringify(LICENSE_PATH)} } } });
    try {
      await player.load(${JSON.stringify(MANIFEST)});
      window.check.loaded = true;
      await video.play();
    } catch (e) {
      window.check.errors.push(e instanceof shaka.util.Error ? describe(e) : { message: String(e) });
    }
  })();
</script>
</body>
</html>
`;

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error('server error:', err);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});

await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;
console.log(`serving ${ROOT} at ${origin}`);
if (SERVE_ONLY) {
  console.log(`player page: ${origin}${PAGE_PATH}`);
  await new Promise(() => {});
}

let exitCode = 1;
let browser;
try {
  ensureChromium();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const tab = await browser.newPage({ viewport: { width: 640, height: 360 } });
  tab.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning')
      console.log(`[browser ${msg.type()}] ${msg.text()}`);
  });
  tab.on('pageerror', (err) => console.log(`[browser pageerror] ${err.message}`));

  await tab.goto(origin + PAGE_PATH);
  let reached = false;
  try {
    // Bail out early on a Shaka error instead of waiting for the timeout.
    await tab.waitForFunction(
      (target) =>
        window.check?.errors.length > 0 || document.getElementById('video').currentTime > target,
      TARGET_TIME,
      { timeout: TIMEOUT_MS, polling: 100 },
    );
    reached = true;
  } catch {
    // fall through: the state dump below says why
  }

  const state = await tab.evaluate(() => {
    const video = document.getElementById('video');
    const quality = video.getVideoPlaybackQuality();
    return {
      ...window.check,
      currentTime: video.currentTime,
      readyState: video.readyState,
      paused: video.paused,
      videoWidth: video.videoWidth,
      videoHeight: video.videoHeight,
      decodedFrames: quality.totalVideoFrames,
      droppedFrames: quality.droppedVideoFrames,
      mediaError: video.error ? { code: video.error.code, message: video.error.message } : null,
    };
  });
  await tab.screenshot({ path: SCREENSHOT });

  const ok =
    reached &&
    state.errors.length === 0 &&
    state.currentTime > TARGET_TIME &&
    state.decodedFrames > 0 &&
    licenseRequests.length > 0;

  console.log(
    JSON.stringify(
      {
        result: ok ? 'PLAYING' : 'FAILED',
        channel: CHANNEL,
        browser: `chromium ${browser.version()}`,
        licenseRequests,
        screenshot: SCREENSHOT,
        ...state,
      },
      null,
      2,
    ),
  );
  exitCode = ok ? 0 : 1;
} catch (err) {
  console.error('check failed:', err);
} finally {
  await browser?.close();
  server.close();
}
process.exit(exitCode);

// --- helpers ---------------------------------------------------------------

async function loadKeys() {
  const file = join(ROOT, 'docs/demo/media/keys.json');
  const json = JSON.parse(await readFile(file, 'utf8'));
  const map = new Map();
  for (const keys of Object.values(json)) {
    for (const { kid, k } of keys) map.set(kid, k);
  }
  return map;
}

function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${CHROMIUM} missing; install it with: apt-get install -y chromium`);
  }
  console.log(`${CHROMIUM} missing, running: apt-get install -y chromium`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', 'chromium']]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed`);
  }
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');

  if (url.pathname === LICENSE_PATH) return handleLicense(req, res);

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' });
    return res.end();
  }

  if (url.pathname === PAGE_PATH) {
    res.writeHead(200, { 'Content-Type': MIME['.html'], 'Cache-Control': 'no-store' });
    return res.end(req.method === 'HEAD' ? undefined : page);
  }

  return serveFile(req, res, decodeURIComponent(url.pathname));
}

// W3C ClearKey: the CDM's licence request is JSON {"kids":[b64url],"type":...};
// the answer is a JWK set holding only the keys that were asked for.
async function handleLicense(req, res) {
  if (req.method !== 'POST') {
    res.writeHead(405, { Allow: 'POST' });
    return res.end();
  }
  let request;
  try {
    request = JSON.parse(await readBody(req, 64 * 1024));
    if (!Array.isArray(request.kids)) throw new Error('kids must be an array');
  } catch (err) {
    return sendJson(res, 400, { error: `bad licence request: ${err.message}` });
  }
  const keys = request.kids
    .filter((kid) => keysByKid.has(kid))
    .map((kid) => ({ kty: 'oct', kid, k: keysByKid.get(kid) }));
  licenseRequests.push({ kids: request.kids, served: keys.length });
  if (keys.length === 0) return sendJson(res, 404, { error: 'unknown key ids' });
  return sendJson(res, 200, { keys, type: request.type ?? 'temporary' });
}

async function serveFile(req, res, pathname) {
  // normalize() + prefix check keeps "/../" requests inside the repo.
  const file = normalize(join(ROOT, pathname));
  if (file !== ROOT && !file.startsWith(ROOT + sep)) {
    res.writeHead(403);
    return res.end();
  }
  let info;
  try {
    info = await stat(file);
  } catch {
    info = null;
  }
  if (!info?.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    return res.end('not found');
  }

  const size = info.size;
  const headers = {
    'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-store',
  };

  // Shaka fetches SegmentBase/sidx media by byte range, so honour
  // single ranges; multi-range requests just get the whole file (allowed).
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
    return res.end();
  }
  let status = 200;
  let start = 0;
  let end = size - 1;
  if (range) {
    ({ start, end } = range);
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  }
  headers['Content-Length'] = String(size === 0 ? 0 : end - start + 1);
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || size === 0) return res.end();
  createReadStream(file, { start, end }).pipe(res);
}

function parseRange(header, size) {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start;
  let end;
  if (m[1] === '') {
    // suffix form: last N bytes
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

function readBody(req, limit) {
  return new Promise((ok, fail) => {
    const chunks = [];
    let length = 0;
    req.on('data', (chunk) => {
      length += chunk.length;
      if (length > limit) {
        fail(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': MIME['.json'],
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
