import { connect } from 'node:net';

/** What came back for raw request bytes: the final response, or nothing. */
export interface RawAnswer {
  /** Absent when the server closed the connection (or went quiet) without a response. */
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** Interim (1xx) responses before the final one. */
  interim: number[];
}

function parse(received: Buffer, head: boolean): RawAnswer | 'incomplete' {
  const interim: number[] = [];
  let offset = 0;
  for (;;) {
    const end = received.indexOf('\r\n\r\n', offset);
    if (end < 0) return 'incomplete';
    const [statusLine = '', ...lines] = received
      .subarray(offset, end)
      .toString('latin1')
      .split('\r\n');
    const status = Number(statusLine.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (status >= 100 && status < 200) {
      interim.push(status);
      offset = end + 4;
      continue;
    }
    const length =
      head || status === 204 || status === 304 ? 0 : Number(headers['content-length'] ?? 0);
    const body = received.subarray(end + 4);
    if (body.length < length) return 'incomplete';
    return { status, headers, body: body.subarray(0, length).toString('utf8'), interim };
  }
}

/**
 * Writes `raw` to `origin` as it is, then half-closes the connection (the request can say no
 * more), and reads one final response. Resolves with no status when the server closes the
 * connection without one, or sends nothing within `quietMs`.
 */
export function rawExchange(
  origin: string,
  raw: Buffer,
  options: { head?: boolean; quietMs?: number } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (answer: RawAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(quiet);
      socket.destroy();
      resolve(answer);
    };
    const none = () => finish({ headers: {}, body: received.toString('latin1'), interim: [] });
    const quiet = setTimeout(none, options.quietMs ?? 2000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const answer = parse(received, options.head ?? false);
      if (answer !== 'incomplete') finish(answer);
    });
    socket.on('error', none);
    socket.on('close', none);
    socket.end(raw);
  });
}
