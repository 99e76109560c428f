import { map, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import type { SsmSource, SsmState } from '../../packages/rx-ssm/src/index.js';
import type { ScriptedTransport } from '../../packages/rx-ssm/src/testing/index.js';

/** A TestScheduler that compares with vitest's deep equality. */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

export const SSM_URL = 'https://ssm.test/acme/ssm';
export const SETUP_URL = `${SSM_URL}/v1/sessions/setup`;
export const HEARTBEAT_URL = `${SSM_URL}/v1/sessions/heartbeat`;
export const TEARDOWN_URL = `${SSM_URL}/v1/sessions/teardown`;

/** A source `x.mpd` with content token `ct-x` on the test SSM service. */
export function ssmSource(name: string, extra: Partial<SsmSource> = {}): SsmSource {
  return { src: `${name}.mpd`, token: `ct-${name}`, ssmServerUrl: SSM_URL, ...extra };
}

/**
 * A state as a short label, so a marble diagram of states reads at a glance:
 * `idle`, `wait a`, `setup a`, `active a S1` (heartbeat mode), `licence a L1` (licence mode),
 * `re-setup a` (a re-establishment after the background), `down a`, `error a 6001`.
 */
export function label(state: SsmState): string {
  const name = (s: SsmSource) => s.src.replace(/\.mpd$/, '');
  switch (state.status) {
    case 'idle':
      return 'idle';
    case 'awaiting-token':
      return `wait ${name(state.source)}`;
    case 'setting-up':
      return `${state.reestablishing ? 're-setup' : 'setup'} ${name(state.source)}`;
    case 'active':
      return state.renewal === 'licence'
        ? `licence ${name(state.source)} ${state.sessionToken}`
        : `active ${name(state.source)} ${state.sessionToken}`;
    case 'tearing-down':
      return `down ${name(state.source)}`;
    case 'error':
      return `error ${name(state.source)} ${state.error.code}`;
  }
}

export const labels = (state$: Observable<SsmState>) => state$.pipe(map(label));

/** The requests a scripted transport saw, as `frame call token` lines. */
export function requestLog(transport: ScriptedTransport): string[] {
  return transport.requests.map((r) => `${r.at} ${r.call} ${r.token}`);
}
