import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { loopbackListener } from './loopback-listener.js';

export type SsmCall = 'setup' | 'heartbeat' | 'teardown';

/** What the proxy does with one request. */
export type ProxyPlan =
  /** Pass it on, after `delayMs`, and pass the answer back after `responseDelayMs`. */
  | { kind: 'pass'; delayMs?: number; responseDelayMs?: number }
  /** Answer here: the server never sees the request. */
  | { kind: 'answer'; status: number; body: string; contentType?: string }
  /** Pass it on (the server acts on it), then replace the body of the answer. */
  | { kind: 'rewrite'; body: (upstream: string) => string; contentType?: string }
  /** Destroy the connection with no answer: before passing it on, or after the server acted. */
  | { kind: 'reset'; forwarded: boolean }
  /** Pass it on, send the answer's headers and half its body, then destroy the connection. */
  | { kind: 'cut-mid-body' }
  /** Never answer; the client gives up (its timeout). `forwarded`: the server acted on it. */
  | { kind: 'hang'; forwarded: boolean };

/** A request as the proxy saw it. */
export interface ProxiedRequest {
  call: SsmCall | undefined;
  /** Position among all requests, and among requests of the same call. */
  index: number;
  callIndex: number;
  plan: ProxyPlan;
  /** The upstream that answered, once one did. */
  upstream?: string;
}

export interface FaultProxy {
  /** The proxy's origin, to use in place of the server's. */
  readonly url: string;
  readonly seen: readonly ProxiedRequest[];
  /** Decides the fate of each request; by default every request passes. */
  plan: (request: Omit<ProxiedRequest, 'plan'>) => ProxyPlan;
  /** Stops listening and drops every connection: requests are refused until {@link accept}. */
  refuse(): Promise<void>;
  /** Listens again on the same port. */
  accept(): Promise<void>;
  close(): Promise<void>;
}

const CALL = /\/sessions\/(setup|heartbeat|teardown)\/?$/;

interface Upstream {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/**
 * A `node:http` proxy between the SDK and one or more SSM servers that delays, rewrites, cuts or
 * refuses requests as its {@link FaultProxy.plan} says. With several upstreams (a function), it
 * balances round-robin and skips an upstream that refuses the connection, as a load balancer would.
 */
export async function startFaultProxy(options: {
  upstream: string | (() => readonly string[]);
}): Promise<FaultProxy> {
  const upstreams =
    typeof options.upstream === 'string' ? () => [options.upstream as string] : options.upstream;
  const agent = new Agent({ keepAlive: true });
  const seen: ProxiedRequest[] = [];
  const perCall = new Map<string, number>();
  let turn = 0;

  function forwardTo(origin: string, req: IncomingMessage, body: Buffer): Promise<Upstream> {
    const headers = {
      ...req.headers,
      host: new URL(origin).host,
      'content-length': String(body.length),
    };
    delete headers.connection;
    return new Promise((resolve, reject) => {
      const upstream = request(
        new URL(req.url ?? '/', origin),
        { method: req.method, headers, agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  /** The first upstream that takes the connection, round-robin. */
  async function forward(
    req: IncomingMessage,
    body: Buffer,
    record: ProxiedRequest,
  ): Promise<Upstream> {
    const origins = upstreams();
    // Each request takes its turn when it starts, so concurrent requests spread too.
    const first = turn;
    turn += 1;
    let failure: unknown = new Error('no upstream');
    for (let attempt = 0; attempt < origins.length; attempt += 1) {
      const origin = origins[(first + attempt) % origins.length] as string;
      try {
        const answer = await forwardTo(origin, req, body);
        record.upstream = origin;
        return answer;
      } catch (error) {
        failure = error;
        // Only a refused connection is safe to send elsewhere: the request never arrived.
        if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') break;
      }
    }
    throw failure;
  }

  function reply(res: ServerResponse, answer: Upstream): void {
    if (res.destroyed) return;
    const headers = { ...answer.headers, 'content-length': String(answer.body.length) };
    delete headers['transfer-encoding'];
    res.writeHead(answer.status, headers).end(answer.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const call = CALL.exec(new URL(req.url ?? '/', 'http://proxy.invalid').pathname)?.[1] as
      | SsmCall
      | undefined;
    const callIndex = perCall.get(call ?? '') ?? 0;
    perCall.set(call ?? '', callIndex + 1);
    const described = { call, index: seen.length, callIndex };
    const plan = proxy.plan(described);
    const record: ProxiedRequest = { ...described, plan };
    seen.push(record);
    const gone = () => res.destroyed || req.socket.destroyed;

    switch (plan.kind) {
      case 'pass': {
        if (plan.delayMs) await sleep(plan.delayMs);
        if (gone()) return;
        const answer = await forward(req, body, record);
        if (plan.responseDelayMs) await sleep(plan.responseDelayMs);
        reply(res, answer);
        return;
      }
      case 'answer':
        res
          .writeHead(plan.status, { 'Content-Type': plan.contentType ?? 'application/json' })
          .end(plan.body);
        return;
      case 'rewrite': {
        const answer = await forward(req, body, record);
        const text = plan.body(answer.body.toString('utf8'));
        res
          .writeHead(answer.status, { 'Content-Type': plan.contentType ?? 'application/json' })
          .end(text);
        return;
      }
      case 'reset':
        if (plan.forwarded) await forward(req, body, record);
        req.socket.destroy();
        return;
      case 'cut-mid-body': {
        const answer = await forward(req, body, record);
        res.writeHead(answer.status, {
          'Content-Type': 'application/json',
          'Content-Length': String(answer.body.length),
        });
        res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
        await sleep(5);
        req.socket.destroy();
        return;
      }
      case 'hang':
        if (plan.forwarded) await forward(req, body, record);
        return;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) res.writeHead(502).end();
      else res.destroy();
    });
  });
  const { listen, stop } = loopbackListener(server);
  const port = await listen(0);
  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    seen,
    plan: () => ({ kind: 'pass' }),
    refuse: stop,
    accept: async () => {
      await listen(port);
    },
    async close() {
      if (server.listening) await stop();
      agent.destroy();
    },
  };
  return proxy;
}
