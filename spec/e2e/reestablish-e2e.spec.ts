import { BehaviorSubject, filter, firstValueFrom, type Observable, Subject, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppState,
  type LicenceAnswer,
  licenseHeaders,
  type SsmError,
  type SsmSource,
  type SsmState,
  ssmSession,
} from '../../packages/rx-ssm/src/index.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';

const keys = { 'channel-1': [{ kid: 'a2lkLW9uZS0xMjM0NTY3OA', k: 'a2V5LW9uZS0xMjM0NTY3OA' }] };

const until = (state$: Observable<SsmState>, test: (s: SsmState) => boolean, ms = 8000) =>
  firstValueFrom(state$.pipe(filter(test), timeout(ms)));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a session that expired in the background is set up again (reestablishAfterBackground)', () => {
  let spec: SpecServer;
  let accounts = 0;
  beforeAll(async () => {
    // The server's clock moves only by hand: the background lasts as long as the spec says.
    spec = await startSpecServer({ heartbeatSeconds: 1, clearKeys: keys, sweepIntervalMs: false });
  });
  afterAll(() => spec?.server.close());

  async function source(drmEnforced: boolean) {
    const accountId = `back-${++accounts}`;
    const token = await spec.contentToken({ accountId, maxSessions: 1, drmEnforced });
    const src: SsmSource = { src: 'channel-1.mpd', token, ssmServerUrl: `${spec.origin}/ssm` };
    return { accountId, src };
  }

  it.each([
    ['heartbeat', false],
    ['licence', true],
  ])(
    '%s mode: one new setup, shown as re-setup, the error not fatal, one session on the server',
    async (_mode, drmEnforced) => {
      const { accountId, src } = await source(drmEnforced);
      const appState$ = new BehaviorSubject<AppState>('active');
      const licence$ = new Subject<LicenceAnswer>();
      const session = ssmSession(
        { source$: new BehaviorSubject<SsmSource | null>(src), appState$, licence$ },
        { reestablishAfterBackground: true },
      );
      // A ClearKey player: a licence request once active, and on every renewal asked for.
      const requestLicence = async (headers: Record<string, string>) => {
        const response = await fetch(`${spec.origin}/license/clearkey`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
          body: '{"kids":[],"type":"temporary"}',
        });
        const body = (await response.json()) as { sessionToken?: string };
        if (response.ok) licence$.next({ src: src.src, sessionToken: body.sessionToken });
      };
      const states: SsmState[] = [];
      const errors: SsmError[] = [];
      const running = session.session$.subscribe((state) => {
        states.push(state);
        if (drmEnforced && state.status === 'active' && state.renewal === 'heartbeat') {
          void requestLicence(licenseHeaders(state));
        }
      });
      running.add(session.errors$.subscribe((error) => errors.push(error)));
      running.add(
        session.renewals$.subscribe(
          (r) => void requestLicence({ 'nv-authorizations': r.authorization }),
        ),
      );
      const renewal = drmEnforced ? 'licence' : 'heartbeat';
      const first = await until(
        session.session$,
        (s) => s.status === 'active' && s.renewal === renewal,
      );

      appState$.next('background');
      spec.advance(3_000); // past the server's expiry (two periods)
      await sleep(1_100); // a renewal came due meanwhile
      appState$.next('active');

      const again = await until(
        session.session$,
        (s) =>
          s.status === 'active' &&
          s.renewal === renewal &&
          first.status === 'active' &&
          s.sessionToken !== first.sessionToken &&
          states.some((x) => x.status === 'setting-up' && x.reestablishing),
      );
      expect(again.status).toBe('active');
      expect(states.filter((s) => s.status === 'error')).toEqual([]);
      expect(errors.map((e) => [e.code, e.fatal])).toEqual([[6003, false]]);
      expect(await spec.server.liveSessions(accountId)).toBe(1);
      running.unsubscribe();
      await expect.poll(() => spec.server.liveSessions(accountId)).toBe(0);
    },
  );
});
