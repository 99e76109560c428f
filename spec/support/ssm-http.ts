import { connect } from 'node:net';

/** A response as the specs look at it: status, lower-case headers, body parsed when JSON. */
export interface SpecResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

async function specResponse(response: Response): Promise<SpecResponse> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, headers: Object.fromEntries(response.headers), body };
}

/** One SSM call as the SDK makes it: POST `{}` with the token in `nv-authorizations` (or `header`). */
export async function ssmCall(
  base: string,
  call: 'setup' | 'heartbeat' | 'teardown',
  token?: string,
  header = 'nv-authorizations',
): Promise<SpecResponse> {
  return request(`${base}/sessions/${call}`, {
    method: 'POST',
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json; charset=utf-8',
      ...(token !== undefined && { [header]: token }),
    },
    body: '{}',
  });
}

/** Any request, answered as a {@link SpecResponse}. */
export async function request(url: string, init?: RequestInit): Promise<SpecResponse> {
  return specResponse(await fetch(url, init));
}

/**
 * Writes `raw` bytes to the server as they are (no client-side validation) and reads one
 * response, by its Content-Length.
 */
export function rawRequest(origin: string, raw: string | Buffer): Promise<SpecResponse> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response in 5 s, got: ${received.toString('latin1')}`));
    }, 5000);
    const finish = (response: SpecResponse) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(response);
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const response = parseResponse(received);
      if (response) finish(response);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`connection closed before a response: ${received.toString('latin1')}`));
    });
    socket.write(raw);
  });
}

function parseResponse(received: Buffer): SpecResponse | undefined {
  const headEnd = received.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...lines] = received
    .subarray(0, headEnd)
    .toString('latin1')
    .split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const bodyBytes = received.subarray(headEnd + 4);
  if (bodyBytes.length < length) return undefined;
  const text = bodyBytes.subarray(0, length).toString('utf8');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/** A setup whose body carries `body` (e.g. `{device}`), and any `headers`, else as {@link ssmCall}. */
export function setupWith(
  base: string,
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<SpecResponse> {
  return request(`${base}/sessions/setup`, {
    method: 'POST',
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json; charset=utf-8',
      'nv-authorizations': token,
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/** `GET {base}/sessions` with a content token and, if given, the device id header. */
export function listSessions(base: string, token?: string, deviceId?: string) {
  return request(`${base}/sessions`, {
    headers: {
      Accept: 'application/json',
      ...(token !== undefined && { 'nv-authorizations': token }),
      ...(deviceId !== undefined && { 'X-SSM-Device-Id': deviceId }),
    },
  });
}

/** `POST {base}/sessions/stop` with a content token and `{sessionId}` (or any `body`). */
export function stopSession(base: string, token: string | undefined, body: unknown) {
  return request(`${base}/sessions/stop`, {
    method: 'POST',
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json; charset=utf-8',
      ...(token !== undefined && { 'nv-authorizations': token }),
    },
    body: JSON.stringify(body),
  });
}
