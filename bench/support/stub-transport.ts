import { Observable } from 'rxjs';
import type { SsmResponse, SsmTransport } from '../../packages/rx-ssm/src/index.js';

/**
 * A transport that answers every call itself, a millisecond later, the way the reference server
 * answers a live session: a fresh 43-character session token on setup and heartbeat, `{}` on
 * teardown. It keeps nothing, so the heap it leaves behind is the pipelines' own; it is what the
 * SDK costs without an HTTP client.
 */
export function stubTransport(heartbeatSeconds: number): SsmTransport {
  let issued = 0;
  const answer = (call: string): SsmResponse => ({
    status: 200,
    body:
      call === 'teardown'
        ? '{}'
        : JSON.stringify({
            sessionToken: `s${(++issued).toString(36).padStart(42, '0')}`,
            heartbeat: heartbeatSeconds,
          }),
  });
  return (req) =>
    new Observable<SsmResponse>((subscriber) => {
      const timer = setTimeout(() => {
        subscriber.next(answer(req.call));
        subscriber.complete();
      }, 1);
      return () => clearTimeout(timer);
    });
}
