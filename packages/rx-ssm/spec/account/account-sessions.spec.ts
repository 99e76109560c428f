import { firstValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ssmSource } from '../../../../spec/support/marbles.js';
import { accountSessions, type SsmError } from '../../src/index.js';
import { ok, scriptedTransport } from '../../src/testing/index.js';
import { errorOfResponse } from '../../src/wire/wire.js';

const a = ssmSource('a');
const entry = {
  sessionId: 'sid-1',
  contentId: 'channel-1',
  device: { name: 'Phone', type: 'phone', id: 'raw-device-id' },
  sameDevice: false,
  startedAt: '2026-01-02T03:04:05.000Z',
  renewedAt: '2026-01-02T03:05:05.000Z',
};
/** What a listing holds that no entry may pass on: tokens and raw ids a faulty server leaked. */
const leaky = { ...entry, sessionId: 'sid-2', sessionToken: 'SECRET-TOKEN', accountId: 'alice' };
const malformed = [
  null,
  'sid-3',
  [],
  { ...entry, sessionId: 42 },
  { ...entry, sessionId: '' },
  { ...entry, contentId: undefined },
  { ...entry, startedAt: 'yesterday' },
  { ...entry, renewedAt: 1_700_000_000 },
];

const listed = (body: unknown) =>
  firstValueFrom(accountSessions(a, { transport: scriptedTransport(() => of(ok(body))) }));

describe('accountSessions reads a listing defensively', () => {
  it('drops malformed entries and keeps only the known fields of the others: no token, no raw id', async () => {
    const sessions = await listed({ sessions: [entry, ...malformed, leaky] });
    expect(sessions.map((s) => s.sessionId)).toEqual(['sid-1', 'sid-2']);
    expect(sessions[1]).toEqual({
      sessionId: 'sid-2',
      contentId: 'channel-1',
      device: { name: 'Phone', type: 'phone' },
      sameDevice: false,
      startedAt: new Date('2026-01-02T03:04:05.000Z'),
      renewedAt: new Date('2026-01-02T03:05:05.000Z'),
    });
    expect(JSON.stringify(sessions)).not.toMatch(/SECRET-TOKEN|raw-device-id|alice/);
  });

  it('a device that is not an object, or names that are not strings, are left out', async () => {
    const [odd] = await listed({
      sessions: [{ ...entry, device: 'tv', sameDevice: 'yes' }],
    });
    expect(odd).toMatchObject({ device: {}, sameDevice: false });
  });

  it.each([
    ['no sessions list', { other: [] }],
    ['a body that is not JSON', '<html>'],
    ['a list at the top', [entry]],
  ])('a 200 with %s is a 6004', async (_case, body) => {
    const error = await listed(body).catch((e: SsmError) => e);
    expect(error).toMatchObject({ kind: 'account', code: 6004, httpStatus: 200 });
  });
});

describe('a limit refusal read defensively', () => {
  const refusal = (extra: Record<string, unknown>) =>
    errorOfResponse(
      'setup',
      { status: 403, body: { errorCode: 1007, message: 'limit', ...extra } },
      a,
    );

  it('carries the rule and the well-formed holders, with no token', () => {
    const error = refusal({ rule: 'maxSessionsPerGroup', sessions: [...malformed, leaky] });
    expect(error.rule).toBe('maxSessionsPerGroup');
    expect(error.heldBy?.map((s) => s.sessionId)).toEqual(['sid-2']);
    expect(error.message).toBe(
      'SSM setup failed with HTTP 403: server code 1007, rule maxSessionsPerGroup, "limit" (https://ssm.test/acme/ssm/v1/sessions/setup)',
    );
    expect(JSON.stringify(error.heldBy)).not.toContain('SECRET-TOKEN');
  });

  it.each([
    ['a production SSM that says only 1007', {}],
    ['an unknown rule and no usable session', { rule: 'maxPlanets', sessions: malformed }],
    ['sessions that are not a list', { rule: 42, sessions: { sid: entry } }],
  ])('leaves rule and heldBy absent for %s', (_case, extra) => {
    const error = refusal(extra);
    expect(error.isSessionLimit).toBe(true);
    expect('rule' in error).toBe(false);
    expect('heldBy' in error).toBe(false);
  });

  it('reads rule and sessions on 1007 only', () => {
    const error = errorOfResponse(
      'setup',
      { status: 403, body: { errorCode: 1003, rule: 'maxSessions', sessions: [entry] } },
      a,
    );
    expect(error.rule).toBeUndefined();
    expect(error.heldBy).toBeUndefined();
  });
});
