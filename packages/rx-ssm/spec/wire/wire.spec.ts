import { describe, expect, it } from 'vitest';
import { SsmError } from '../../src/index.js';
import { answerTooLarge } from '../../src/transports/transport-error.js';
import {
  deviceProblem,
  errorOfNoResponse,
  errorOfResponse,
  isTransient,
  parseDone,
  parseHeartbeat,
  parseSetup,
  sourceProblem,
  ssmBaseUrl,
  ssmRequest,
} from '../../src/wire/wire.js';

const source = { src: 'a', token: 'ct', ssmServerUrl: 'https://ssm.example.com/T/ssm' };
const SETUP = 'https://ssm.example.com/T/ssm/v1/sessions/setup';

describe('ssmBaseUrl', () => {
  it.each([
    ['https://ssm.example.com/TENANT/ssm', 'https://ssm.example.com/TENANT/ssm/v1'],
    ['https://ssm.example.com/TENANT/ssm/', 'https://ssm.example.com/TENANT/ssm/v1'],
    ['https://ssm.example.com/TENANT/ssm/v1/', 'https://ssm.example.com/TENANT/ssm/v1'],
    ['https://ssm.example.com/TENANT/ssm/v1', 'https://ssm.example.com/TENANT/ssm/v1'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/v1'],
  ])('%s → %s', (given, base) => {
    expect(ssmBaseUrl(given)).toBe(base);
  });

  it.each(['', 'ssm.example.com/ssm', 'ftp://x/ssm', 'https://', 'javascript:alert(1)'])(
    'refuses %j with a setup error',
    (given) => {
      expect(() => ssmBaseUrl(given)).toThrow(SsmError);
    },
  );
});

describe('ssmRequest', () => {
  it('uses the source’s token header when it names one', () => {
    expect(ssmRequest('heartbeat', { ...source, tokenHeader: 'x-ssm' }, 'S1').headers).toEqual({
      Accept: 'application/json',
      'Content-Type': 'application/json; charset=utf-8',
      'x-ssm': 'S1',
    });
  });
});

describe('parseSetup', () => {
  it('accepts a token and a positive period, as JSON or as text', () => {
    expect(parseSetup({ status: 200, body: { sessionToken: 'S', heartbeat: 5 } }, source)).toEqual({
      sessionToken: 'S',
      heartbeatSeconds: 5,
    });
    expect(
      parseSetup({ status: 200, body: '{"sessionToken":"S","heartbeat":0.5}' }, source),
    ).toEqual({ sessionToken: 'S', heartbeatSeconds: 0.5 });
  });

  it.each([
    [{ heartbeat: 5 }, 'without a sessionToken', undefined],
    [{ sessionToken: '', heartbeat: 5 }, 'without a sessionToken', undefined],
    [{ sessionToken: 'S' }, 'with heartbeat undefined', 'S'],
    [{ sessionToken: 'S', heartbeat: '5' }, 'with heartbeat "5"', 'S'],
    [{ sessionToken: 'S', heartbeat: 0 }, 'with heartbeat 0', 'S'],
    [{ sessionToken: 'S', heartbeat: -1 }, 'with heartbeat -1', 'S'],
    ['<html>ok</html>', 'without a sessionToken', undefined],
  ])(
    'a 200 with %j is a failed setup (%s); a named session is handed back to tear down',
    (body, why, orphan) => {
      const parsed = parseSetup({ status: 200, body }, source);
      expect('error' in parsed && parsed.error.message).toBe(
        `SSM setup answered HTTP 200 but ${why} (${SETUP})`,
      );
      expect('error' in parsed && parsed.error.code).toBe(6001);
      expect('orphan' in parsed ? parsed.orphan : undefined).toBe(orphan);
    },
  );

  it('maps a refusal with its server code and message', () => {
    const parsed = parseSetup({ status: 403, body: { errorCode: 1007, message: 'max' } }, source);
    expect('error' in parsed && parsed.error).toMatchObject({
      code: 6001,
      httpStatus: 403,
      serverCode: 1007,
      serverMessage: 'max',
      isSessionLimit: true,
      message: `SSM setup failed with HTTP 403: server code 1007, "max" (${SETUP})`,
      source,
    });
  });

  it('says when an error body is not JSON, and what a 404, a redirect or an empty body mean', () => {
    const message = (status: number, body: unknown) => {
      const parsed = parseSetup({ status, body }, source);
      return 'error' in parsed ? parsed.error.message : undefined;
    };
    expect(message(502, '<html>')).toBe(
      `SSM setup failed with HTTP 502: with a body that is not JSON (${SETUP})`,
    );
    expect(message(404, '<h1>Not Found</h1>')).toBe(
      `SSM setup failed with HTTP 404: nothing answers at this URL (${SETUP})`,
    );
    for (const status of [0, 302]) {
      expect(message(status, '')).toBe(
        `SSM setup failed with HTTP ${status}: a redirect, not followed (${SETUP})`,
      );
    }
    expect(message(500, '')).toBe(`SSM setup failed with HTTP 500: with an empty body (${SETUP})`);
  });

  it('names the URL of the call without user info, query or fragment, and never a token', () => {
    const secretive = { ...source, ssmServerUrl: 'https://user:pw@ssm.example.com/T/ssm?key=k#f' };
    const parsed = parseSetup({ status: 500, body: '' }, secretive);
    expect('error' in parsed && parsed.error.message).toBe(
      `SSM setup failed with HTTP 500: with an empty body (${SETUP})`,
    );
    expect('error' in parsed && parsed.error.message).not.toMatch(/ct|user|pw|key=/);
  });
});

describe('parseHeartbeat', () => {
  it('reads the rotated token, and a new period only when valid', () => {
    expect(parseHeartbeat({ status: 200, body: { sessionToken: 'S2' } }, source)).toEqual({
      sessionToken: 'S2',
    });
    expect(
      parseHeartbeat({ status: 200, body: { sessionToken: 'S2', heartbeat: 3 } }, source),
    ).toEqual({ sessionToken: 'S2', heartbeatSeconds: 3 });
    expect(
      parseHeartbeat({ status: 200, body: { sessionToken: 'S2', heartbeat: -3 } }, source),
    ).toEqual({ sessionToken: 'S2' });
  });

  it('fails without a token, and on a non-2xx', () => {
    const missing = parseHeartbeat({ status: 200, body: {} }, source);
    expect('error' in missing && missing.error.code).toBe(6003);
    const refused = parseHeartbeat(
      { status: 401, body: { errorCode: 1003, message: 'x' } },
      source,
    );
    expect('error' in refused && refused.error).toMatchObject({
      httpStatus: 401,
      serverCode: 1003,
    });
  });
});

describe('parseDone and transient errors', () => {
  it('accepts any 2xx body and reports others as non-fatal 6002', () => {
    expect(parseDone('teardown', { status: 204, body: '' }, source)).toBeUndefined();
    expect(parseDone('teardown', { status: 401, body: {} }, source)).toMatchObject({
      code: 6002,
      fatal: false,
    });
  });

  it('calls no response and 5xx transient, 4xx not', () => {
    expect(isTransient(errorOfNoResponse('heartbeat', new Error('ECONNRESET'), source))).toBe(true);
    expect(isTransient(errorOfResponse('heartbeat', { status: 503, body: '' }, source))).toBe(true);
    expect(isTransient(errorOfResponse('heartbeat', { status: 401, body: '' }, source))).toBe(
      false,
    );
    expect(errorOfNoResponse('setup', 'timeout', source).message).toBe(
      `SSM setup got no response: timeout (${SETUP})`,
    );
    expect(errorOfNoResponse('renewal', answerTooLarge(65_536), source).message).toBe(
      'SSM heartbeat refused the answer: answer larger than 65536 bytes (https://ssm.example.com/T/ssm/v1/renewal-license-wv)',
    );
  });
});

describe('sourceProblem', () => {
  it.each([
    [{ ...source, src: '' }, 'the source has no src'],
    [{ ...source, ssmServerUrl: 5 }, 'ssmServerUrl must be a string'],
    [{ ...source, token: 5 }, 'the content token must be a string'],
    [
      { ...source, token: 'a\r\nX-Evil: 1' },
      'the content token has a character a header cannot carry',
    ],
    [{ ...source, tokenHeader: 'a b' }, 'tokenHeader "a b" is not a valid header name'],
    [{ ...source, ssmServerUrl: 'nope' }, 'ssmServerUrl "nope" is not an http(s) URL'],
  ])('%j: %s', (bad, problem) => {
    expect(sourceProblem(bad as never)).toBe(problem);
  });

  it('passes a good source', () => {
    expect(sourceProblem(source)).toBeUndefined();
  });
});

describe('deviceProblem', () => {
  it.each([
    ['not an object', 'tv-1'],
    ['null', null],
    ['no id', { name: 'TV' }],
    ['an empty id', { id: '' }],
    ['an id past 128 characters', { id: 'x'.repeat(129) }],
    ['an id with a space', { id: 'tv 1' }],
    ['a name past 64 characters', { id: 'tv-1', name: 'x'.repeat(65) }],
    ['a name with a line break', { id: 'tv-1', name: 'TV\r\nX-Evil: 1' }],
    ['a type past 32 characters', { id: 'tv-1', type: 'x'.repeat(33) }],
    ['a type that is not a string', { id: 'tv-1', type: 5 }],
  ])('refuses %s, saying what a device must be', (_what, device) => {
    expect(deviceProblem(device as never)).toMatch(
      /^device must be \{ id: 1 to 128 visible ASCII characters, name\?: up to 64 and type\?: up to 32 characters/,
    );
  });

  it.each([
    ['no device', undefined],
    ['an id alone', { id: 'tv-1' }],
    ['the longest of each', { id: 'x'.repeat(128), name: 'n'.repeat(64), type: 't'.repeat(32) }],
  ])('passes %s', (_what, device) => {
    expect(deviceProblem(device)).toBeUndefined();
  });
});
