import { type SsmOptions, type SsmSource, ssmSession } from 'rx-ssm';
import type { Observable } from 'rxjs';
import { eachValueFrom } from 'rxjs-for-await';

/** Logs each state until the session is active; leaving the loop tears the session down. */
export async function untilActive(source$: Observable<SsmSource | null>, options?: SsmOptions) {
  const { session$ } = ssmSession({ source$ }, options);
  const seen: string[] = [];
  for await (const state of eachValueFrom(session$)) {
    seen.push(state.status);
    if (state.status === 'active' || state.status === 'error') break;
  }
  return seen;
}
