// Renders the benchmark results as docs/benchmarks.md.
import { byPackage } from './bundle-size.mjs';

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
/** `median (min–max)` of a spread. */
const range = (s, digits = 2, scale = 1) =>
  s && s.n > 0
    ? `${fixed(s.median * scale, digits)} (${fixed(s.min * scale, digits)}–${fixed(s.max * scale, digits)})`
    : 'n/a';
const verdict = (met) => (met ? '**met**' : '**missed**');
const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;
const int = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a');

function header({ quick, command, node, machine, date, seconds }) {
  return [
    '# Benchmarks',
    '',
    quick
      ? '> **Quick run**: small counts and short durations, to check that the benchmarks run. Not a measurement.'
      : null,
    quick ? '' : null,
    `Written by \`${command}\` (\`node bench/run.mjs\`) on ${date}, in ${Math.round(seconds)} s.`,
    '',
    '| | |',
    '|---|---|',
    `| Node | ${node} |`,
    `| machine | ${machine.cores} cores (${machine.model}), ${machine.memoryGiB.toFixed(0)} GiB memory, load ${machine.loadAtStart.toFixed(2)} at the start |`,
    '',
    'Every figure is the **median (min–max)** over the repeated runs or samples named in its',
    'section. The machine is shared and noisy, so wherever a ratio fits, the figure is a ratio of',
    'two things measured in the same run. Goals are judged on the median.',
    '',
  ].filter((line) => line !== null);
}

const scenarioNames = {
  async: 'async, below the limit',
  'async-limit': 'async, at the limit',
  sync: 'sync, at the limit',
};

function zapSection(zap) {
  const lines = [
    '## 1. Zap latency',
    '',
    'A zap from one channel to another: the time from the new source on `source$` to `active`',
    'for it on `session$`, in round trips (RTT). rx-ssm runs with its default transport',
    '(`axiosTransport()`, the default axios instance) against the reference server on loopback.',
    'Between them a TCP proxy (`bench/support/delay-proxy.ts`) holds every chunk for RTT/2 in each',
    'direction, so the server sees a request half a round trip after it leaves and the answer',
    'arrives half a round trip later; connections are kept alive, so no handshake is delayed.',
    "(The server's own `responseDelayMs` would only delay answers, with every request reaching",
    'the server at once; the proxy delays both ways.)',
    '',
    'The baseline (`bench/support/vendor-client.ts`) zaps the way the vendor SDKs do, on the same',
    'axios instance: async fires the teardown of the old session and the setup of the new one',
    'together and fails on 1007; sync waits for the teardown to be answered before the setup.',
    '"At the limit" is an account with `maxSessions: 1`. The teardown and the setup of a zap leave',
    'together, so which one the server handles first is a race: on loopback the teardown, sent',
    'first, usually wins (**teardown first**); for **setup first** the proxy holds each teardown',
    'until the server has answered the setup sent with it, as happens whenever the network or a',
    'load balancer reorders them.',
    '"Refused" counts zaps the app saw fail with the session limit; "1007 answers" counts the',
    "server's refusals, including those rx-ssm retried. Zaps alternate between two channels; the",
    'first is a warm-up, and each zap starts once the previous teardown has been answered.',
    '',
    'Rows in **licence mode** zap between two channels whose content tokens enforce the session',
    'through the DRM licence: a player in the bench makes a ClearKey licence request through the same',
    'proxy as soon as the session is `active`, and the zap counts until that answer has switched',
    "the new session to `renewal: 'licence'` with its token: the zap plus the one licence",
    'request every playback makes anyway.',
    '',
    'The "× one call" column divides by the median time of one SSM call through the same proxy in',
    'the same run (table below): it leaves out what the machine adds to every call.',
    '',
    '| RTT | client | zap | order at the server | zap → active, RTT | ms | × one call | refused | 1007 answers | goal |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of zap.scenarios) {
    let goal = '';
    if (s.client === 'rx-ssm' && s.licence) {
      // Zap → active (1 or 2 RTT) and then the player's first licence request (1 RTT).
      const limit = s.id === 'async' ? 2.1 : 3.1;
      const met = s.rtts.median <= limit && s.refusals === 0;
      goal = `≤ ${limit} RTT (zap + 1 licence), 0 refused: ${verdict(met)}`;
    } else if (s.client === 'rx-ssm') {
      const limit = s.id === 'async' ? 1.1 : 2.1;
      const met = s.rtts.median <= limit && (s.id === 'async' || s.refusals === 0);
      goal = `≤ ${limit} RTT${s.id === 'async-limit' ? ', 0 refused' : ''}: ${verdict(met)}`;
    }
    const call = zap.oneCall[s.rttMs].median;
    const calls = {
      ...s.ms,
      median: s.ms.median / call,
      min: s.ms.min / call,
      max: s.ms.max / call,
    };
    lines.push(
      `| ${s.rttMs} ms | ${s.client} | ${scenarioNames[s.id]}${s.licence ? ', **licence mode**' : ''} | ${s.order} | ${range(s.rtts, 2)} | ${range(s.ms, 0)} | ${range(calls, 2)} | ${s.refusals}/${s.zaps} | ${s.serverRefusals} | ${goal} |`,
    );
  }
  lines.push(
    '',
    'One SSM call through the proxy (a teardown the server refuses at once): the floor of any zap.',
    '',
  );
  lines.push('| RTT | one call, RTT | ms |', '|---|---|---|');
  for (const [rtt, ms] of Object.entries(zap.oneCall)) {
    const rtts = { ...ms, median: ms.median / rtt, min: ms.min / rtt, max: ms.max / rtt };
    lines.push(`| ${rtt} ms | ${range(rtts, 3)} | ${range(ms, 1)} |`);
  }
  lines.push('');
  return lines;
}

function pipelineSection(runs) {
  const heapGoal = (r) => r.heapBytesPerPipeline.median <= 8 * 1024;
  const missedGoal = (r) => r.totals.missed === 0 && r.errorStates === 0;
  const full = runs.find((r) => r.transport === 'axios');
  const sustained = runs.find((r) => r.transport === 'axios' && r !== full);
  const stub = runs.find((r) => r.transport === 'stub');
  const first = runs[0];
  const lines = [
    '## 2. Pipeline cost',
    '',
    'Concurrent `ssmSession` pipelines in one Node process, each subscribed to `session$` (no',
    `other intents), heartbeat ${first.heartbeatSeconds} s, measured for ${(first.windows * first.windowMs) / 1000} s in ${first.windows} windows of ${first.windowMs / 1000} s after a`,
    'start and a settling period; each window is one sample. The runs:',
    '',
    '- **axios**: the default transport (one axios instance, one keep-alive agent with',
    `  ${first.sockets} sockets) against the reference server (memory store) in another process.`,
    '- **stub**: a transport that answers in the same process a millisecond later, with fresh',
    '  43-character tokens (`bench/support/stub-transport.ts`): the SDK without an HTTP client.',
    '',
    'Heap per pipeline is the heap after a forced GC with every pipeline live, less the heap',
    'before the first one started (sources, intents and transports were made before), over the',
    'pipeline count: 3 samples after the start and 3 at the end. A heartbeat is **late** when the',
    'session was renewed more than 100 ms after it was due (a period after the previous',
    'heartbeat left); **missed** counts periods with no heartbeat sent, failed heartbeats, and',
    'pipelines silent for 1.5 periods at the end of a window; a pipeline that died before the',
    'measurement misses all of its heartbeats. CPU time is `process.cpuUsage()` of the whole',
    'process (SDK, transport, GC) over the heartbeats answered.',
    '',
    `| | ${runs.map((r) => `${r.transport}, ${int(r.pipelines)} pipelines`).join(' | ')} | goal |`,
    `|---|${runs.map(() => '---|').join('')}---|`,
  ];
  const row = (label, cell, goal = '') =>
    lines.push(`| ${label} | ${runs.map(cell).join(' | ')} | ${goal} |`);
  row(
    'pipelines alive after the start',
    (r) =>
      `${int(r.pipelines - r.errorStates)} of ${int(r.pipelines)} (start took ${fixed(r.rampMs / 1000, 1)} s)`,
  );
  row(
    'heartbeats answered per s',
    (r) => `${range(r.heartbeatsPerSecond, 0)} of ${int(r.expectedPerSecond)}`,
  );
  row(
    'heap per live pipeline',
    (r) => `${range(r.heapBytesPerPipeline, 1, 1 / 1024)} KB: ${verdict(heapGoal(r))}`,
    '≤ 8 KB',
  );
  row(
    'heap per pipeline left after unsubscribing all',
    (r) => `${fixed(r.heapBytesPerPipelineAfterStop / 1024, 2)} KB`,
  );
  row('client CPU per heartbeat', (r) => `${range(r.clientCpuMicrosPerHeartbeat, 0)} µs`);
  row('client CPU, share of one core', (r) => `${range(r.clientCpuShare, 2)}`);
  row('CPU of one bare axios request (same agent)', (r) =>
    Number.isFinite(r.clientCallCpuMicros) ? `${fixed(r.clientCallCpuMicros, 0)} µs` : '–',
  );
  row('server CPU per heartbeat (its own process)', (r) =>
    r.transport === 'axios' ? `${range(r.serverCpuMicrosPerHeartbeat, 0)} µs` : '–',
  );
  row(
    'heartbeats late by > 100 ms',
    (r) => `${int(r.totals.late)} of ${int(r.totals.heartbeats)}; per window ${range(r.late, 0)}`,
  );
  row('heartbeats missed', (r) => `${int(r.totals.missed)}: ${verdict(missedGoal(r))}`, '0');
  row(
    'renewal after due, p50 / p99 / max',
    (r) =>
      `${fixed(r.latenessMs.p50, 0)} / ${fixed(r.latenessMs.p99, 0)} / ${fixed(r.latenessMs.max, 0)} ms`,
  );
  row(
    'event-loop delay p99 / max',
    (r) => `${fixed(r.eventLoopDelayMs.p99, 0)} / ${fixed(r.eventLoopDelayMs.max, 0)} ms`,
  );
  lines.push('');
  const reasons = (r) =>
    Object.entries(r.errorMessages ?? {})
      .map(([message, count]) => `${int(count)} × “${message}”`)
      .join('; ');
  for (const r of runs) {
    if (r.errorStates > 0)
      lines.push(
        `Pipelines that ended in \`error\` (${r.transport}, ${int(r.pipelines)}): ${reasons(r)}.`,
        '',
      );
  }
  if (full && Number.isFinite(full.clientCallCpuMicros)) {
    const ceiling = 1e6 / full.clientCallCpuMicros;
    lines.push(
      `One bare axios request costs the client ${fixed(full.clientCallCpuMicros, 0)} µs of CPU here, so one Node process, whose`,
      `JavaScript runs on one core, sends at most about ${int(ceiling)} requests/s; ${int(full.pipelines)} pipelines need`,
      `${int(full.expectedPerSecond)} heartbeats/s${full.expectedPerSecond > ceiling ? ', more than that: heartbeats queue in the agent behind each other, reach the server after it has expired the session (two periods), and the pipelines end in 6003' : ''}.`,
    );
    if (sustained) {
      lines.push(
        `At ${int(sustained.pipelines)} pipelines (${int(sustained.expectedPerSecond)}/s) one process keeps up: the client spends`,
        `${fixed(sustained.clientCpuMicrosPerHeartbeat.median, 0)} µs per heartbeat${stub ? `, of which the SDK's own share, from the stub run, is about ${fixed(stub.clientCpuMicrosPerHeartbeat.median, 0)} µs` : ''}.`,
      );
    }
    lines.push('');
  }
  return lines;
}

/** The `Measured by …` line of a section re-run on its own and merged into the report. */
function measuredBy(run) {
  return `Measured by \`${run.command}\` on ${run.date} (Node ${run.node}, load ${run.machine.loadAtStart.toFixed(2)} at the start).`;
}

const serverNames = { bare: 'bare node:http', memory: 'memory store', redis: 'Redis store' };
const workloadNames = { heartbeat: 'heartbeat', cycle: 'setup+teardown' };

function throughputSection(t, run) {
  const goals = {
    'heartbeat/memory': 0.82,
    'heartbeat/redis': 0.45,
    'cycle/memory': 0.64,
    'cycle/redis': 0.4,
  };
  const rows = Object.entries(t.figures);
  const raw = t.figures['heartbeat/bare'];
  const cannon = t.figures['heartbeat/bare/autocannon'];
  const lines = [
    '## 3. Server throughput',
    '',
    measuredBy(run),
    '',
    'Three servers, each in its own process: the reference server on the memory store, on the',
    'Redis store (a local `redis-server`), and a bare `node:http` handler that reads the body and',
    'answers the same JSON with the same headers. **heartbeat**: each request renews a live',
    'session with the token the previous answer gave. **setup+teardown**: a setup with a content',
    `token, then the teardown of the session it got; one cycle is two requests. Heartbeat period ${t.heartbeatSeconds} s.`,
    '',
    `The load generator is a raw keep-alive socket client (\`bench/support/raw-http-client.ts\`,`,
    `${t.connections} connections, one request at a time on each): a request is one string written`,
    'to the socket, an answer is read by its `Content-Length`, so the client costs less per request',
    'than the servers it drives. Each run lasts',
    `${t.durationSeconds} s; the ${t.repetitions} repetitions are interleaved, in rotating order, after a warm-up.`,
    'The CPU time of every process that serves is read from the kernel (`/proc/<pid>/stat`, utime +',
    'stime): the server process, and for the Redis store the server process **plus `redis-server`**.',
    "The headline is the rate per serving CPU-second as a ratio to the bare handler's in the same",
    'repetition: what one core of server buys, whatever else the machine (two cores, shared) is',
    'doing. Goals are judged on it.',
    '',
    '| workload | server | per s | per serving CPU-s | **× bare per CPU-s** | per server-process CPU-s | serving cores busy | p50 ms | p99 ms | errors | goal |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [key, f] of rows) {
    if (f.client !== 'raw') continue;
    const goal = goals[key]
      ? `≥ ${goals[key]} × bare: ${verdict(f.cpuRatioToBare.median >= goals[key])}`
      : '';
    lines.push(
      `| ${workloadNames[f.workload]} | ${serverNames[f.kind]} | ${range(f.rate, 0)} | ${range(f.perCpuSecond, 0)} | **${range(f.cpuRatioToBare, 2)}** | ${f.kind === 'redis' ? range(f.perServerCpuSecond, 0) : 'same'} | ${range(f.serverCores, 2)} | ${range(f.p50, 1)} | ${range(f.p99, 1)} | ${f.failures} | ${goal} |`,
    );
  }
  if (!t.redis) lines.push('', '`redis-server` was not found: the Redis rows are missing.');
  if (raw && cannon) {
    lines.push(
      '',
      '**The load generator is checked** in the same run against autocannon without per-response',
      'callbacks (fixed requests, its cheapest use), both driving the bare handler with heartbeats:',
      '',
      '| client | bare requests/s | bare server cores busy | client cores busy | bare requests per server CPU-s |',
      '|---|---|---|---|---|',
      `| raw keep-alive client | ${range(raw.rate, 0)} | ${range(raw.serverCores, 2)} | ${range(raw.clientCores, 2)} | ${range(raw.perCpuSecond, 0)} |`,
      `| autocannon, no callbacks | ${range(cannon.rate, 0)} | ${range(cannon.serverCores, 2)} | ${range(cannon.clientCores, 2)} | ${range(cannon.perCpuSecond, 0)} |`,
      '',
      raw.rate.median >= cannon.rate.median
        ? `The raw client drives the bare handler at ${fixed(raw.rate.median / cannon.rate.median, 2)}× autocannon's rate (medians): at least as hard.`
        : `In this run autocannon drove the bare handler at ${fixed(cannon.rate.median / raw.rate.median, 2)}× the raw client's rate (medians).`,
    );
  }
  const micros = (f, pick = 'perCpuSecond') => (f ? fixed(1e6 / f[pick].median, 0) : 'n/a');
  const per = (workload) => {
    const redisRow = t.figures[`${workload}/redis`];
    const redisPart = redisRow
      ? `, Redis store ${micros(redisRow)} µs (${micros(redisRow, 'perServerCpuSecond')} in the server process, the rest in \`redis-server\`)`
      : '';
    return `bare ${micros(t.figures[`${workload}/bare`])} µs, memory store ${micros(t.figures[`${workload}/memory`])} µs${redisPart}`;
  };
  lines.push(
    '',
    `CPU per heartbeat (medians): ${per('heartbeat')}. Per setup+teardown cycle: ${per('cycle')}.`,
  );
  const bareBusy = Math.min(
    ...['heartbeat', 'cycle'].map((workload) => t.figures[`${workload}/bare`].serverCores.median),
  );
  if (bareBusy < 0.9) {
    // A bare handler left idle part of the time costs more per request, and every ratio to it rises.
    lines.push(
      '',
      `**This run did not keep the servers busy.** The bare handler used ${fixed(bareBusy, 2)} of a core (the lower`,
      "of the two workloads' medians) where the load generator saturates it on a quiet machine: it",
      'handled fewer requests per wake-up and spent more CPU on each, and every × bare ratio above',
      "rose with its CPU per call, so this run's verdicts flatter the servers. Compare CPU per call",
      'with other runs, and judge the goals on a run whose servers are busy (0.95 of a core or more).',
    );
  }
  for (const workload of ['heartbeat', 'cycle']) {
    const redisRow = t.figures[`${workload}/redis`];
    const goal = goals[`${workload}/redis`];
    if (!redisRow || redisRow.cpuRatioToBare.median >= goal) continue;
    const bareMicros = 1e6 / t.figures[`${workload}/bare`].perCpuSecond.median;
    const serving = 1e6 / redisRow.perCpuSecond.median;
    const serverProcess = 1e6 / redisRow.perServerCpuSecond.median;
    const memory = 1e6 / t.figures[`${workload}/memory`].perCpuSecond.median;
    const opening = [
      '',
      `**Redis, ${workloadNames[workload]}: ${goal} × bare is not reached.** It allows ${fixed(bareMicros / goal, 0)} µs of serving CPU`,
    ];
    const redisServerSpends = `per ${workload === 'cycle' ? 'cycle' : 'heartbeat'}; \`redis-server\` alone spends ${fixed(serving - serverProcess, 0)} µs on it`;
    if (serverProcess <= memory) {
      // The Redis client cost nothing measurable here: the run's noise is larger than it.
      lines.push(
        ...opening,
        `${redisServerSpends}, and the server process`,
        `${fixed(serverProcess, 0)} µs, no more than the same answer on the memory store in this run (${fixed(memory, 0)} µs):`,
        'the spread of the run is larger than what the Redis client adds.',
      );
      continue;
    }
    lines.push(
      ...opening,
      `${redisServerSpends} (the Lua script of each call,`,
      `and reading and answering it), and the server process ${fixed(serverProcess, 0)} µs, ${fixed(serverProcess - memory, 0)} µs more than the same`,
      'answer on the memory store: the Redis client building, writing and parsing each command,',
      'and its garbage. What is left is the Redis client and Redis itself: the',
      `same answer on the memory store (${fixed(memory, 0)} µs) plus \`redis-server\` alone`,
      `(${fixed(serving - serverProcess, 0)} µs) already make ${fixed(memory + serving - serverProcess, 0)} µs of the ${fixed(bareMicros / goal, 0)}, which leaves`,
      `${fixed(Math.max(0, bareMicros / goal - memory - (serving - serverProcess)), 0)} µs for the client to build, send and read ${workload === 'cycle' ? 'two commands' : 'one command'}; it spends`,
      `${fixed(serverProcess - memory, 0)}.`,
    );
  }
  lines.push(
    '',
    '**What changed.** This section used to drive the servers with autocannon calling a',
    'JavaScript function on every answer; on two cores that client was the ceiling (16.8k',
    'requests/s on the bare handler, which answers 29–52k/s to a cheaper client). A server that',
    'is not kept busy handles fewer requests per wake-up and spends more CPU on each, so the bare',
    "handler's CPU per request was inflated, and every ratio to it with it (heartbeats 0.56 on",
    'the memory store, 0.50 on Redis, whose own CPU was not counted). Measured this way on the',
    'code before the changes below (the parent of 26858bb, 3 × 3 s), the ratios were 0.43',
    '(memory) and 0.27 (Redis) for heartbeats, 0.33 and 0.21 for setup+teardown. The changes: content',
    'tokens are verified synchronously with node:crypto (HMAC-SHA256 and a constant-time compare,',
    "jose's checks in jose's order; jose only mints); session tokens come from a pooled CSPRNG",
    'block (one `randomFillSync` per 128 tokens); the memory store holds one record per session',
    'for its whole life, moved in an indexed expiry heap at each renewal, where it kept a queue',
    'entry and a replay entry per heartbeat for two periods (at these rates, a million objects',
    'for the collector); an answer is one `writeHead` with every header (CORS included) and one',
    '`end`; plain paths are routed without `new URL`; debug log lines are built only when written.',
    '',
    '**Then, on 2026-12-04.** The profiles of section 5 (and the same at a 100–200 µs sampling',
    'interval, on the servers and on the request handler alone) showed, per setup: `randomBytes`',
    "for the session id (`randomFillSync`, 9 % of the busy time of setup+teardown), the content token's",
    "HMAC and JSON, the SHA-1 of the account's route, and the memory store scanning and copying the",
    "account's sessions at each admission; per heartbeat, nothing of the server's own above 3 %.",
    'The changes: session ids and the fresh part of a renewed token come from a pooled CSPRNG block',
    'as session tokens do; each distinct JWS header is decoded and checked once (a bounded cache);',
    'hashes are one-shot `crypto.hash`; the memory store looks for expired sessions of the account',
    'only when its expiry heap says some session has expired, and lists the account only when',
    'the count or a rule beyond `maxSessions` needs it; plain targets are routed once (the usual',
    "answer's headers as one literal gained nothing beyond the noise and were not kept). A/B",
    'against the code before, in one run (8 interleaved',
    'repetitions of 2 s, CPU per call from `/proc`, medians of the paired ratios): setup+teardown',
    '×0.82 on the memory store and ×0.82 on Redis (server and `redis-server`), heartbeats ×0.88',
    'and ×0.92. Two runs of this section that day, with the machine shared (load 2 to 5), gave',
    '× bare per CPU-s 0.84 and 0.87 for heartbeats on the memory store, 0.69 and 0.50 for',
    'setup+teardown, and on Redis 0.44 and 0.46, 0.37 and 0.34: the two runs differ by more than',
    'any one change did.',
    '',
    'A third run that day, with nothing else on the machine (load 0.5), had the bare handler serve',
    'a heartbeat in 23 µs, where it took 40 to 48 µs on the shared machine, and every ratio fell',
    "(memory store 0.75 and 0.52, Redis 0.32 and 0.30) while each server's own CPU per call fell",
    'as well: a ratio to the bare handler moves with how busy the machine is.',
    '',
    "**Then, the Redis scripts.** Most of `redis-server`'s time per call is the script, and most of",
    "the script's is each value passed into or out of Lua (callgrind: about 1k instructions per",
    'argument, 4k per `redis.call`, 29k for an `HMGET` of ten fields). The heartbeat script now',
    'takes 2 keys and 9 arguments where it took 5 and 12 and reads 7 fields instead of 10; the',
    'setup script 4 keys and 13 arguments instead of 5 and 23: `redis-server` runs 15 % fewer',
    'instructions per heartbeat and 12 % fewer per setup+teardown, and spent ×0.82 and ×0.83 the CPU',
    'in an interleaved A/B on a loaded machine.',
    '',
    '**Then, on 2026-12-07.** The bare handler now answers what the server answers, field for',
    "field (a setup's `sessionId`, 45-character tokens) and header for header (`Vary: Origin`); it",
    'had answered a little less. On the Redis store, each change measured on its own: the',
    "store's call chains the client's promise where it nested three async functions, and the",
    'one-node client sends `EVALSHA` as the command Redis reads (server process, the store driven',
    "alone: 13.1 → 12.2 µs per heartbeat, 26.7 → 24.3 per setup+teardown); a session's hash keeps",
    "its account's route, so a renewal or a teardown finds the account's key without",
    "`redis.sha1hex`; the scripts read each number once (`s + 0`, where the `tonumber` of Redis's",
    'Lua 5.1 parses a string twice); a renewal sends until when it may be repeated as the string',
    "Redis keeps; the times sent are written as two small integers, not through V8's",
    'double-to-text path (0.26 → 0.05 µs each). callgrind on `redis-server`: 141k → 127k',
    'instructions per heartbeat (×0.90), 298k → 278k per setup+teardown (×0.93); through HTTP,',
    'against the code before (medians of paired ratios, the machine shared), serving CPU ×0.94 to',
    '×0.95 per heartbeat and ×0.93 to ×0.95 per setup+teardown; `npm run bench:ab --',
    '--base=0a022fb --stores=redis`, which runs both builds side by side, repeats it: ×0.955',
    '(0.906 … 0.990 over 10 runs) and ×0.928 (0.888 … 1.009). Two runs of this section on that',
    'code: the table above (load 0.17 at the start; the bare handler 34 µs per heartbeat, as on',
    '2026-12-04) gave × bare per CPU-s 0.88 and 0.55 for heartbeats on the memory store and on',
    'Redis, 0.71 and 0.42 for setup+teardown; one just before it (load 1.89 at the start, other',
    'work on the machine having just ended; the bare handler 41 µs) gave 0.88, 0.46, 0.67 and',
    "0.47. The memory store's code has not changed since 2026-12-04, when one run gave its",
    "setup+teardown 0.45: beside the bare handler's fuller answer, that is how far one run of",
    'these ratios can be from another on this machine.',
    '',
  );
  return lines;
}

function profileSection(p, run) {
  const TOP = 5;
  const lines = [
    '## 5. Server CPU profile',
    '',
    measuredBy(run),
    `The same profiles: \`npm run bench:profile\`, which keeps the \`.cpuprofile\` files in`,
    '`bench/.out/profiles/` (open them in Chrome DevTools).',
    '',
    `Each server process runs under \`node --cpu-prof\` while the raw client drives one workload for ${p.seconds} s`,
    `(${p.connections} connections). Self time of the top ${TOP} functions, as a share of the busy (not idle)`,
    'time sampled; `writev` and `writeUtf8String` are system calls writing to a socket.',
    '',
  ];
  for (const profile of p.profiles) {
    lines.push(
      `**${workloadNames[profile.workload]}, ${serverNames[profile.kind]}** (${fixed(profile.busyMs / 1000, 1)} s busy)`,
      '',
      '| self time | function | where |',
      '|---|---|---|',
    );
    for (const entry of profile.top.slice(0, TOP)) {
      lines.push(
        `| ${fixed(entry.share * 100, 1)} % | \`${entry.name}\` | ${entry.where ? `\`${entry.where}\`` : 'native'} |`,
      );
    }
    lines.push('');
  }
  const share = (workload, kind, name) =>
    p.profiles
      .find((x) => x.workload === workload && x.kind === kind)
      ?.top.find((entry) => entry.name === name)?.share;
  const pct = (value) => (value === undefined ? 'n/a' : `${fixed(value * 100, 0)} %`);
  lines.push(
    "**What is left.** The largest item everywhere is `writev`: node:http's one write of an",
    `answer, the same system call the bare handler makes (${pct(share('heartbeat', 'bare', 'writev'))} of its busy time, ${pct(share('heartbeat', 'memory', 'writev'))} of the`,
    "memory store's heartbeats). It is one per answer already (`packages/server/spec/one-write-per-answer.spec.ts`),",
    'and only fewer answers would remove it. The profiler samples wall time, so a write that',
    'wakes the client counts until the server runs again: the shares say where the time goes, the',
    'CPU per request above says how much there is. What the server adds on the memory store is',
    'spread thin over the store, the routing and the HMAC, none above a few per cent. On the Redis',
    'store, what is added is the Redis client (`@redis/client`: encoding each command, its',
    `\`writev\` to Redis, ${pct(share('heartbeat', 'redis', 'writev'))} of heartbeats in all with node:http's own, and parsing the reply) and the`,
    'collector: the Redis store, not the request path.',
    '',
  );
  return lines;
}

function sizeSection(sizes, coreCosts, coreText) {
  const lines = [
    '## 4. Bundle size',
    '',
    'esbuild, minified ESM for browsers (es2022), gzip level 9, as a production build',
    '(`process.env.NODE_ENV` defined as "production", as Vite, webpack and Next do for one): the',
    'development build keeps the diagnostics of a source that looks wrong, its size is the last',
    'column. Budgets live in `bench/size-budget.json`; `node bench/size-check.mjs` (`npm run size`,',
    'run by `.ci/run`) fails when a bundle is over its budget. Sizes do not vary between runs.',
    '',
    '| bundle | what | minified | gzipped | goal | development, gzipped |',
    '|---|---|---|---|---|---|',
  ];
  for (const s of sizes) {
    const goal = s.budget === undefined ? '' : `≤ ${kb(s.budget)}: ${verdict(s.gzip <= s.budget)}`;
    lines.push(
      `| ${s.name} | ${s.description} | ${kb(s.bytes)} | ${kb(s.gzip)} | ${goal} | ${kb(s.development.gzip)} |`,
    );
  }
  // What the bundles that carry libraries are made of: the SDK's own code against the rest.
  const mixed = sizes.filter((s) => byPackage(s.inputs).length > 1);
  const packages = [...new Set(mixed.flatMap((s) => byPackage(s.inputs).map(([name]) => name)))];
  lines.push(
    '',
    'Minified bytes in each bundle that carries libraries, by package:',
    '',
    `| bundle | ${packages.join(' | ')} |`,
    `|---|${packages.map(() => '---|').join('')}`,
    ...mixed.map((s) => {
      const bytes = new Map(byPackage(s.inputs));
      return `| ${s.name} | ${packages.map((name) => (bytes.has(name) ? kb(bytes.get(name)) : '')).join(' | ')} |`;
    }),
  );
  const app = sizes.find((s) => s.name === 'app-fetch');
  const rxjs = sizes.find((s) => s.name === 'rxjs-as-used');
  if (app && rxjs) {
    lines.push(
      '',
      `Gzipped, the fetch app is ${kb(app.gzip)}, of which rxjs as the SDK uses it is ${kb(rxjs.gzip)} on`,
      `its own: the SDK adds ${kb(app.gzip - rxjs.gzip)} to it (gzip shares a dictionary, so the parts only approximately add up).`,
    );
  }
  const es2015 = sizes.find((s) => s.name === 'app-fetch-es2015');
  if (app && es2015) {
    lines.push(
      '',
      `rxjs resolves to its ES5 build unless the bundler is given the \`es2015\` export condition`,
      '(esbuild, Vite, webpack and Rollup leave it out by default; Angular CLI adds it). With it the',
      `fetch app is ${kb(es2015.gzip)} instead of ${kb(app.gzip)}: native classes and spreads where the ES5 build`,
      "calls tslib's helpers. [docs/package.md](package.md#rxjs-es2015-build) shows the setting for each bundler.",
    );
  }
  if (coreCosts) {
    const top = coreCosts.statements.slice(0, 15);
    const rest = coreCosts.statements.slice(15);
    lines.push(
      '',
      `Where the core's bytes go (\`npm run size:why -- core\`): what deleting each top-level function,`,
      'class or constant of the bundle would save, gzipped. Text that recurs elsewhere costs little',
      "where it recurs, so these are smaller than each one's share of the minified bytes, and sum to less than the whole.",
      '',
      '| function, class or constant | gzipped bytes it adds |',
      '|---|---|',
      ...top.map(({ label, bytes }) => `| \`${label}\` | ${bytes} |`),
      `| the other ${rest.length} | ${rest.reduce((sum, { bytes }) => sum + bytes, 0)} |`,
    );
  }
  const withoutAccount = sizes.find((s) => s.name === 'core-without-account-calls');
  const core = sizes.find((s) => s.name === 'core');
  if (coreText && core && withoutAccount) {
    lines.push(
      '',
      `What the core's text and its account calls weigh. Its string and template literals hold ${coreText.characters} characters`,
      `(messages, paths, header and field names). With every one of them emptied the core would be ${coreText.codeOnly} B`,
      `gzipped instead of ${coreText.gzip} B (\`textCost\` in \`bench/bundle-size.mjs\`): the code alone weighs that much,`,
      `whatever the wording. The wording alone, the ${coreText.wordingCharacters} characters of the literals that hold words (the error`,
      `messages), costs ${coreText.gzip - coreText.withoutWording} B: with only those emptied, paths, header and field names kept, the core would be`,
      `${coreText.withoutWording} B. The account calls (\`accountSessions\`, \`stopSession\`) add ${core.gzip - withoutAccount.gzip} B to the`,
      `core entry: without them it is ${withoutAccount.gzip} B (\`core-without-account-calls\` above). An app that does not`,
      'import them bundles none of it.',
    );
  }
  lines.push('');
  return lines;
}

const capacityNames = {
  'single/1': '1 process, one Redis',
  'single/2': '2 workers, one Redis',
  'cluster/1': '1 process, Redis Cluster',
  'cluster/2': '2 workers, Redis Cluster',
  'cluster/1/acks1': '1 process, Redis Cluster, `--replica-acks 1`',
};

function capacitySection(c, run) {
  if (!c.redis) {
    return [
      '## 6. Capacity',
      '',
      measuredBy(run),
      '',
      '`redis-server` was not found: nothing measured.',
      '',
    ];
  }
  const lines = [
    '## 6. Capacity',
    '',
    measuredBy(run),
    '',
    'The figures the capacity model of [deploy.md](deploy.md) is built from. `rx-ssm serve` (the',
    'command line, bundled from the sources) runs as one process or with `--workers 2`',
    '(node:cluster, one port), on one `redis-server` or on a local Redis Cluster of 3 masters with',
    'one replica each that the benchmark starts and stops, and once on the cluster with',
    '`--replica-acks 1` (each admission, renewal and teardown waits for a replica: Redis WAIT).',
    `The raw keep-alive client renews sessions of ${c.connections} accounts, one a connection (so they spread`,
    `over routes and shards), heartbeat period ${c.heartbeatSeconds} s; ${c.repetitions} interleaved repetitions of ${c.durationSeconds} s after a warm-up.`,
    'CPU time per heartbeat is read from `/proc` for the node processes (primary and workers), the',
    'Redis masters and the replicas. "× 1 process" is the ratio to the 1-process, one-Redis run of',
    "the same repetition. Redis bytes and commands are the masters' `INFO stats` deltas",
    '(`total_net_input_bytes` + `total_net_output_bytes`, replication included;',
    '`total_commands_processed`, which counts the commands a script runs).',
    '',
    '| setup | heartbeats/s | × 1 process | node CPU µs / heartbeat | Redis masters µs | replicas µs | per serving CPU-s | **× 1 process per CPU-s** | Redis bytes / heartbeat | Redis commands | p50 ms | p99 ms | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [key, f] of Object.entries(c.figures)) {
    lines.push(
      `| ${capacityNames[key] ?? key} | ${range(f.rate, 0)} | ${range(f.rateRatio, 2)} | ${range(f.nodeMicros, 0)} | ${range(f.masterMicros, 0)} | ${f.store === 'cluster' ? range(f.replicaMicros, 0) : '–'} | ${range(f.perCpuSecond, 0)} | **${range(f.cpuRatio, 2)}** | ${range(f.redisBytes, 0)} | ${range(f.redisCommands, 1)} | ${range(f.p50, 1)} | ${range(f.p99, 1)} | ${f.failures} |`,
    );
  }
  const one = c.figures['single/1'];
  const shard = c.figures['cluster/1'];
  const acks = c.figures['cluster/1/acks1'];
  lines.push(
    '',
    'What one core buys, from the medians: a server process renews about',
    `**${int(1e6 / one.nodeMicros.median)} sessions/s** per CPU-second (1e6 / ${fixed(one.nodeMicros.median, 0)} µs), and a Redis master about`,
    `**${int(1e6 / shard.masterMicros.median)} renewals/s** in a cluster (1e6 / ${fixed(shard.masterMicros.median, 0)} µs; ${int(1e6 / one.masterMicros.median)}/s as a lone \`redis-server\`:`,
    'cluster mode and feeding a replica cost the master more). The load generator shares the two',
    'cores, so the heartbeats/s column is what this machine sustains, not what a process could.',
    `Waiting for a replica costs ${fixed(acks.nodeMicros.median / shard.nodeMicros.median, 2)} × the node CPU and ${fixed(acks.masterMicros.median / shard.masterMicros.median, 2)} × the master CPU of a heartbeat, and its p50 is`,
    `${fixed(acks.p50.median / shard.p50.median, 1)} × as long (one replication round trip on loopback).`,
    '',
    `**Redis memory per session** (\`INFO memory\` \`used_memory\` of the masters, ${int(c.memory.single.sessions)} sessions in accounts`,
    'of two, set up, then each renewed once: a renewed session also keeps its renewal record for a',
    'period, as every session in steady state does):',
    '',
    '| store | after setup | after one renewal (steady state) | on the replicas |',
    '|---|---|---|---|',
    `| one redis-server | ${int(c.memory.single.setupBytes)} B | ${int(c.memory.single.renewedBytes)} B | – |`,
    `| Redis Cluster (${c.shards} masters) | ${int(c.memory.cluster.setupBytes)} B | ${int(c.memory.cluster.renewedBytes)} B | ${int(c.memory.cluster.replicaBytes)} B |`,
    '',
    `**On the wire** (HTTP/1.1 on a kept-alive connection, host \`127.0.0.1:port\`; content token ${c.wire.contentTokenChars} characters,`,
    `session token ${c.wire.sessionTokenChars}; TCP/IP and TLS framing not counted):`,
    '',
    '| call | request | answer | total |',
    '|---|---|---|---|',
    `| setup | ${c.wire.setup.request} B | ${c.wire.setup.answer} B | ${c.wire.setup.request + c.wire.setup.answer} B |`,
    `| heartbeat | ${c.wire.heartbeat.request} B | ${c.wire.heartbeat.answer} B | ${c.wire.heartbeat.request + c.wire.heartbeat.answer} B |`,
    '',
  );
  return lines;
}

const ruleNames = {
  maxSessions: '`maxSessions` alone',
  full: 'full rule set (`maxSessions`, `maxDevices`, `maxSessionsPerContent`, `contentGroup` + `maxSessionsPerGroup`)',
};

function policySection(p, run) {
  const lines = [
    '## 7. Concurrency policy cost',
    '',
    measuredBy(run),
    '',
    'Setup+teardown cycles of the reference server (one process, its own) on the memory store and',
    'on the Redis store (a local `redis-server`), with content tokens that carry the full rule set',
    'and with tokens that carry `maxSessions` alone. Each of the',
    `${p.connections} connections is an account of its own that already holds one session (another`,
    'content and group, another device), so each setup with the full rule set weighs a held',
    'session by every rule; every setup sends the same body, a device `{id, name, type}`. The load',
    `generator is the raw keep-alive client of section 3; each run lasts ${p.durationSeconds} s, the`,
    `${p.repetitions} repetitions are interleaved in rotating order after a warm-up. CPU is that of`,
    'the serving processes (the server, and `redis-server` for Redis), from `/proc`. **× cost** is',
    'the CPU per cycle with these rules as a ratio to `maxSessions` alone on the same store in the',
    'same repetition; the goal is at most 1.15 (the rules cost at most 15 %).',
    '',
    '| store | rules | cycles per s | cycles per serving CPU-s | **× cost** | errors | goal |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const f of Object.values(p.figures)) {
    const goal = f.rules === 'full' ? `≤ 1.15: ${verdict(f.costRatio.median <= 1.15)}` : '';
    lines.push(
      `| ${serverNames[f.kind]} | ${ruleNames[f.rules]} | ${range(f.rate, 0)} | ${range(f.perCpuSecond, 0)} | **${range(f.costRatio)}** | ${f.failures} | ${goal} |`,
    );
  }
  lines.push('');
  return lines;
}

const algNames = {
  HS256: 'HS256 (node:crypto)',
  RS256: 'RS256 (jose)',
  PS256: 'PS256 (jose)',
  ES256: 'ES256 (jose)',
  EdDSA: 'EdDSA (jose)',
};

function tokenSection(t, run) {
  const lines = [
    '## 8. Content token verification',
    '',
    measuredBy(run),
    '',
    'Setup+teardown cycles of the reference server (one process, memory store) with content',
    'tokens signed HS256 (the shared secret, verified with node:crypto) and ES256 and RS256 (a',
    'private key, verified through jose with the public key of a JWKS prepared once). Each of the',
    `${t.connections} connections has a token of its own; each run lasts ${t.durationSeconds} s and the`,
    `${t.repetitions} repetitions are interleaved in rotating order after a warm-up. CPU is the`,
    "server process's, from `/proc`. **× HS256** is cycles per serving CPU-s as a ratio to HS256's",
    'in the same repetition. Figures, no goal.',
    '',
    '| token | cycles per s | cycles per serving CPU-s | **× HS256** | errors |',
    '|---|---|---|---|---|',
  ];
  for (const f of Object.values(t.setups)) {
    lines.push(
      `| ${algNames[f.alg]} | ${range(f.rate, 0)} | ${range(f.perCpuSecond, 0)} | **${range(f.toHs256)}** | ${f.failures} |`,
    );
  }
  lines.push(
    '',
    `The verification alone, in the benchmark's process: the server's verifier on ${t.verifiesPerRep}`,
    'valid tokens (16 distinct ones in turn) per repetition, one after another, µs per token.',
    '',
    '| algorithm | µs per token |',
    '|---|---|',
  );
  for (const [alg, micros] of Object.entries(t.verifies)) {
    lines.push(`| ${algNames[alg]} | ${range(micros, 1)} |`);
  }
  lines.push('');
  return lines;
}

const topologyNames = {
  single: 'one `redis-server`',
  cluster: 'Redis Cluster (3 masters, 3 replicas)',
};

function redisClientsSection(r, run) {
  if (!r.figures) return ['## 9. Redis client bake-off', '', '`redis-server` was not found.'];
  const lines = [
    '## 9. Redis client bake-off',
    '',
    measuredBy(run),
    '',
    'The Redis store speaks one small client interface',
    '(`packages/server/src/stores/redis/redis-client.ts`: a script by its SHA with its text as the',
    'fallback on `NOSCRIPT`, a script followed by `WAIT` on a connection of its own, `ZCOUNT`,',
    '`PING`, connection reports). Each client below sits behind it (`bench/support/redis-clients/`),',
    'used as it does best: `@redis/client` (node-redis 6) with RESP2 and its per-tick write',
    'batching; ioredis 5 and iovalkey (its fork) with auto-pipelining; valkey-glide 2 (a Rust core)',
    "with its own `Script` objects. Every client follows the cluster's `MOVED`/`ASK` itself and",
    'fails at once, without queueing, while a node is unreachable. The same scripts, the same',
    `server, the same load as section 3 (${r.connections} connections, ${r.durationSeconds} s runs, ${r.repetitions} repetitions interleaved`,
    'with a bare `node:http` handler). **Serving CPU** is the server process plus every',
    '`redis-server` of the topology (the cluster: its 3 masters and 3 replicas, replication',
    'included), and the headline is heartbeats or cycles per serving CPU-second × the bare',
    "handler's in the same repetition.",
    '',
    '| workload | topology | client | **× bare per serving CPU-s** | server process µs | redis-server µs | p99 ms | errors |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const f of r.figures) {
    lines.push(
      `| ${workloadNames[f.workload]} | ${topologyNames[f.topology]} | ${f.client} | **${range(f.cpuRatioToBare, 2)}** | ${range(f.serverMicros, 0)} | ${range(f.redisMicros, 0)} | ${range(f.p99, 1)} | ${f.failures} |`,
    );
  }
  // Which client served most per CPU-second in each row group, by median.
  const best = [];
  for (const workload of ['heartbeat', 'cycle']) {
    for (const topology of ['single', 'cluster']) {
      const group = r.figures.filter((f) => f.workload === workload && f.topology === topology);
      if (group.length === 0) continue;
      const top = group.reduce((a, b) =>
        b.cpuRatioToBare.median > a.cpuRatioToBare.median ? b : a,
      );
      const def = group.find((f) => f.client === '@redis/client');
      const vs =
        def && def !== top ? ` (@redis/client ${fixed(def.cpuRatioToBare.median, 2)})` : '';
      best.push(
        `${workloadNames[workload]} on ${topologyNames[topology]}: ${top.client} ${fixed(top.cpuRatioToBare.median, 2)}${vs}`,
      );
    }
  }
  lines.push(
    '',
    `**Most per serving CPU-second, by median:** ${best.join('; ')}.`,
    '',
    '**Why `@redis/client` is the default.** It spends the least CPU in the server process per',
    'call on one Redis, where most deployments run, and is level with the best on the cluster;',
    'the Redis side is the same scripts whatever the client. It is pure JavaScript (valkey-glide',
    'needs a native binary per platform and spent the most CPU of the four here, its requests',
    'crossing into Rust and back), it is the client Redis itself keeps, and in the storm below it',
    'answers the dead shard 503 at once while the other shards keep answering: no session lost,',
    'nothing admitted past a limit. The 503 counts differ with how fast each client fails a call',
    'to the dead shard, and so with how many calls the storm makes meanwhile; the columns after',
    'them are what must be 0.',
  );
  lines.push(
    '',
    '**Failover storm** (`spec/support/failover-storm.ts`, once per client, each on a fresh',
    'cluster with `cluster-node-timeout` 1000 ms, replica acks 0): accounts with a limit of 3',
    'renew every session every 200 ms and try one setup past the limit each tick; after a second',
    'the master holding most of them is killed (SIGKILL), and every answer is counted until every',
    'account holds exactly its 3 sessions again.',
    '',
    '| client | answers 200 | 403/1007 (the limit) | 503/1005 (unavailable, nothing changed) | other | sessions lost | rotations lost | admitted past the limit | accounts over the limit | kill → every slot served | kill → every count exact |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const s of r.storms) {
    const { 200: ok = 0, '403/1007': limit = 0, '503/1005': unavailable = 0, ...rest } = s.answers;
    const other = Object.values(rest).reduce((sum, n) => sum + n, 0);
    lines.push(
      `| ${s.client} | ${int(ok)} | ${int(limit)} | ${int(unavailable)} | ${int(other)} | ${s.lostSessions} | ${s.lostRotations} | ${s.overAdmitted} | ${s.accountsOverLimit} | ${int(s.electionMs)} ms | ${int(s.exactAfterMs)} ms |`,
    );
  }
  lines.push('');
  return lines;
}

/** The report's sections in order, by the title after their number; each renders its result. */
const sections = [
  ['Zap latency', (results) => results.zap && zapSection(results.zap)],
  ['Pipeline cost', (results) => results.pipelines && pipelineSection(results.pipelines)],
  [
    'Server throughput',
    (results, run) => results.throughput && throughputSection(results.throughput, run),
  ],
  [
    'Bundle size',
    (results) => results.size && sizeSection(results.size, results.coreCosts, results.coreText),
  ],
  ['Server CPU profile', (results, run) => results.profile && profileSection(results.profile, run)],
  ['Capacity', (results, run) => results.capacity && capacitySection(results.capacity, run)],
  [
    'Concurrency policy cost',
    (results, run) => results.policy && policySection(results.policy, run),
  ],
  [
    'Content token verification',
    (results, run) => results.tokens && tokenSection(results.tokens, run),
  ],
  [
    'Redis client bake-off',
    (results, run) => results.redisClients && redisClientsSection(results.redisClients, run),
  ],
];

/** `## 3. Server throughput` → `Server throughput`. */
const titleOf = (heading) => heading.replace(/^## (?:\d+\. )?/, '').trim();

/**
 * The report. With `previous` (the report as it was), only the sections whose benchmarks ran are
 * rendered anew; the header and every other section are kept as they were.
 */
export function renderReport(run, previous) {
  const { results } = run;
  const kept = new Map();
  let head;
  if (previous) {
    const parts = previous.split(/^(?=## )/m);
    head = parts.shift();
    for (const part of parts) kept.set(titleOf(part.split('\n', 1)[0]), part.trimEnd());
  }
  const body = [];
  for (const [title, render] of sections) {
    const fresh = render(results, run);
    if (fresh) body.push(fresh.join('\n').trimEnd());
    else if (kept.has(title)) body.push(kept.get(title));
  }
  const top = head === undefined ? header(run).join('\n') : head.trimEnd();
  return `${[top, ...body].join('\n\n')}\n`;
}
