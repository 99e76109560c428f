// A keep-alive HTTP/1.1 load generator on raw sockets: each connection writes one request as
// one latin1 string and reads the answer with a minimal parser (status line, Content-Length,
// body). No per-request objects beyond the strings, so on the same core it sends more requests
// than autocannon: the server, not the client, is what saturates.
import { connect, type Socket } from 'node:net';

/** The requests of one connection, one at a time: `next(previousBody)` builds each. */
export interface RawScenario {
  /** The first request, and each following one given the last answer's status and body. */
  next(status: number, body: string): string;
}

/** What a run of the generator counted. */
export interface RawRunResult {
  /** Answers received within the run. */
  answers: number;
  /** Answers whose status was not 2xx. */
  non2xx: number;
  /** Socket errors. */
  errors: number;
  /** Milliseconds the run lasted, from the first request to the last answer counted. */
  ms: number;
  /** Per-answer latency percentiles, ms. */
  p50: number;
  p99: number;
}

const HEADER_END = '\r\n\r\n';

/** Reads one answer at a time off a connection; calls `onAnswer` with its status and body. */
function answerReader(onAnswer: (status: number, body: string) => void) {
  let pending = '';
  return (chunk: Buffer) => {
    pending = pending === '' ? chunk.toString('latin1') : pending + chunk.toString('latin1');
    for (;;) {
      const end = pending.indexOf(HEADER_END);
      if (end < 0) return;
      const status = Number(pending.slice(9, 12));
      const lengthAt = pending.indexOf('ength: ', 0);
      const length =
        lengthAt >= 0 && lengthAt < end
          ? Number.parseInt(pending.slice(lengthAt + 7, pending.indexOf('\r\n', lengthAt)), 10)
          : 0;
      const total = end + 4 + length;
      if (pending.length < total) return;
      const body = pending.slice(end + 4, total);
      pending = pending.length === total ? '' : pending.slice(total);
      onAnswer(status, body);
    }
  };
}

/**
 * Opens `connections` keep-alive connections to `origin`, each with its own scenario, and keeps
 * every one busy with one request at a time for `seconds`. Answers arriving after the end are
 * not counted.
 */
export async function runRawLoad(
  origin: string,
  scenarios: RawScenario[],
  seconds: number,
): Promise<RawRunResult> {
  const { hostname, port } = new URL(origin);
  const sockets: Socket[] = [];
  await Promise.all(
    scenarios.map(
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = connect({ host: hostname, port: Number(port), noDelay: true }, resolve);
          socket.once('error', reject);
          sockets.push(socket);
        }),
    ),
  );
  let answers = 0;
  let non2xx = 0;
  let errors = 0;
  let running = true;
  const latencies = new Float64Array(2 * 1024 * 1024);
  let latencyCount = 0;
  const started = performance.now();
  let lastAnswer = started;
  const done = new Promise<void>((resolve) => {
    let open = sockets.length;
    const closed = () => {
      open -= 1;
      if (open === 0) resolve();
    };
    sockets.forEach((socket, i) => {
      const scenario = scenarios[i] as RawScenario;
      let sentAt = 0;
      const send = (status: number, body: string) => {
        sentAt = performance.now();
        socket.write(scenario.next(status, body), 'latin1');
      };
      socket.on(
        'data',
        answerReader((status, body) => {
          const now = performance.now();
          if (!running) {
            socket.end();
            return;
          }
          answers += 1;
          lastAnswer = now;
          if (latencyCount < latencies.length) latencies[latencyCount++] = now - sentAt;
          if (status < 200 || status > 299) non2xx += 1;
          send(status, body);
        }),
      );
      socket.removeAllListeners('error');
      socket.on('error', () => {
        errors += 1;
      });
      socket.once('close', closed);
      send(0, '');
    });
  });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  running = false;
  const ms = lastAnswer - started;
  // Connections end at their next answer; one that never answers again is cut.
  const cut = setTimeout(() => {
    for (const socket of sockets) socket.destroy();
  }, 2000);
  await done;
  clearTimeout(cut);
  const sorted = latencies.subarray(0, latencyCount).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { answers, non2xx, errors, ms, p50: at(0.5), p99: at(0.99) };
}

/** A POST with a JSON body of `{}` and the token header, as one request string. */
export function sessionCall(host: string, call: string, token: string): string {
  return (
    `POST /v1/sessions/${call} HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nnv-authorizations: ${token}\r\n` +
    'Content-Length: 2\r\n\r\n{}'
  );
}

/** The `sessionToken` of an answer body, read without parsing the JSON. */
export function sessionTokenIn(body: string): string | undefined {
  const at = body.indexOf('"sessionToken":"');
  if (at < 0) return undefined;
  const start = at + 16;
  return body.slice(start, body.indexOf('"', start));
}
