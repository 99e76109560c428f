// Runs one SSM server on a Redis store in its own process, for the multi-process specs: Redis URL,
// secret, key prefix, heartbeat period and port from the environment, so a restarted instance
// comes back where the specs expect it. Bundled by server-process.ts; reports its origin to the
// parent over IPC and stops on 'stop'.
import { pino } from 'pino';
import { createSsmServer, redisClusterStore, redisStore } from '../../packages/server/src/index.js';

const storeOptions = {
  keyPrefix: process.env.RX_SSM_KEY_PREFIX ?? 'rx-ssm:',
  replicaAcks: Number(process.env.RX_SSM_REPLICA_ACKS ?? 0),
};
// A cluster when RX_SSM_REDIS_CLUSTER names its nodes, else one Redis node.
const store = process.env.RX_SSM_REDIS_CLUSTER
  ? redisClusterStore(process.env.RX_SSM_REDIS_CLUSTER.split(','), storeOptions)
  : redisStore(process.env.RX_SSM_REDIS_URL ?? '', storeOptions);
const server = createSsmServer({
  store,
  // RX_SSM_LOG=debug shows why a spec's server answered what it did.
  logger: process.env.RX_SSM_LOG ? pino({ level: process.env.RX_SSM_LOG }) : false,
  secret: process.env.RX_SSM_SECRET ?? '',
  heartbeatSeconds: Number(process.env.RX_SSM_HEARTBEAT ?? 5),
  minHeartbeatSeconds: 0.001,
  // Two periods from the setup, as the specs that fork it count expiries.
  firstExpiryFloorSeconds: 0,
});
const url = await server.listen(Number(process.env.RX_SSM_PORT ?? 0));

async function stop(): Promise<never> {
  await server.close();
  await store.close();
  process.exit(0);
}

process.on('message', (message) => {
  if (message === 'stop') void stop();
});
process.on('disconnect', () => void stop());
process.send?.({ url });
