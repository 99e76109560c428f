import { afterAll, beforeAll } from 'vitest';
import { redisClusterStore, type SsmStore } from '../../packages/server/src/index.js';
import type { RedisCluster } from './redis-cluster.js';
import { bundleServerProcess, type ServerProcess, startServerProcess } from './server-process.js';

/** The servers and reader of {@link serversOnCluster}, there once its `beforeAll` has run. */
export interface ClusterServers {
  /** Two server processes on the cluster, sharing its count. */
  readonly servers: ServerProcess[];
  /** A store on the same cluster and key prefix, to read what the servers wrote. */
  readonly reader: SsmStore;
}

/**
 * For the describe block it is called in: two server processes on the cluster `cluster()` gives
 * (called in `beforeAll`), with `keyPrefix` and `secret`, and a store that reads it; all of them
 * stopped in `afterAll`. Call it after the hooks that start the cluster, so it stops first.
 */
export function serversOnCluster(options: {
  cluster: () => RedisCluster;
  keyPrefix: string;
  secret: string;
}): ClusterServers {
  let bundle: Awaited<ReturnType<typeof bundleServerProcess>> | undefined;
  let servers: ServerProcess[] = [];
  let reader: SsmStore | undefined;
  beforeAll(async () => {
    const { seeds } = options.cluster();
    reader = redisClusterStore(seeds.split(','), { keyPrefix: options.keyPrefix });
    const built = await bundleServerProcess();
    bundle = built;
    servers = await Promise.all(
      [0, 1].map(() =>
        startServerProcess(built.file, {
          redisCluster: seeds,
          secret: options.secret,
          keyPrefix: options.keyPrefix,
          heartbeatSeconds: 30,
        }),
      ),
    );
  }, 60_000);
  afterAll(async () => {
    await reader?.close();
    await Promise.all(servers.map((server) => server.stop()));
    await bundle?.remove();
  });
  return {
    get servers() {
      return servers;
    },
    get reader() {
      if (!reader) throw new Error('the servers on the cluster are not started yet');
      return reader;
    },
  };
}
