import axios, { type AxiosInstance } from 'axios';

/** A source as the baseline client knows it. */
export interface VendorSource {
  src: string;
  token: string;
  ssmServerUrl: string;
}

/** How one zap of the baseline client ended. */
export type VendorZap = { ok: true } | { ok: false; serverCode: number | undefined };

/** The baseline client: one session at a time, set up and torn down by hand. */
export interface VendorClient {
  /** Tears the current session down (without waiting in async mode) and sets up `source`. */
  zap(source: VendorSource): Promise<VendorZap>;
  /** Tears the current session down and waits for the answer. */
  stop(): Promise<void>;
}

interface LiveSession {
  source: VendorSource;
  sessionToken: string;
}

/**
 * A client that zaps the way the vendor SDKs do, for comparison: async fires the teardown of
 * the old session and the setup of the new one together and knows nothing of the account
 * limit, so a setup refused with 1007 is a failed zap; sync waits for the teardown's answer
 * before the setup. No heartbeats: the benchmark only zaps.
 */
export function vendorClient(
  options: { sync: boolean },
  instance: AxiosInstance = axios,
): VendorClient {
  let current: LiveSession | undefined;

  const post = (source: VendorSource, call: 'setup' | 'teardown', token: string) =>
    instance.post<string>(`${source.ssmServerUrl}/v1/sessions/${call}`, '{}', {
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json; charset=utf-8',
        'nv-authorizations': token,
      },
      responseType: 'text',
      validateStatus: () => true,
      transformResponse: [(data: unknown) => data],
    });

  const teardown = async ({ source, sessionToken }: LiveSession) => {
    await post(source, 'teardown', sessionToken);
  };

  return {
    async zap(source) {
      const previous = current;
      current = undefined;
      if (previous && options.sync) await teardown(previous);
      else if (previous) void teardown(previous);
      const response = await post(source, 'setup', source.token);
      const body = JSON.parse(response.data) as { sessionToken?: string; errorCode?: number };
      if (response.status !== 200 || !body.sessionToken) {
        return { ok: false, serverCode: body.errorCode };
      }
      current = { source, sessionToken: body.sessionToken };
      return { ok: true };
    },
    async stop() {
      const previous = current;
      current = undefined;
      if (previous) await teardown(previous);
    },
  };
}
