import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A real `redis-server` for specs: no persistence, loopback only. */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** Starts it (again) on the same port. */
  start(): Promise<void>;
  /** Stops it; its data is gone. */
  stop(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, commands queue up unanswered. */
  freeze(): void;
  /** Lets a frozen one run again (SIGCONT): it then runs what queued up. */
  thaw(): void;
}

const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';
const READY = 'Ready to accept connections';

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function waitUntilReady(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`redis-server on ${port} not ready in 10 s`)),
      10_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(READY)) done();
    };
    const onExit = (code: number | null) =>
      fail(new Error(`redis-server on ${port} exited with ${code}:\n${output}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', fail);
    };
    function done() {
      cleanup();
      child.stdout?.resume();
      resolve();
    }
    function fail(error: Error) {
      cleanup();
      reject(error);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit).once('error', fail);
  });
}

/** Starts `redis-server` on a free port and resolves once it accepts connections. */
export async function startRedis(): Promise<RedisProcess> {
  let port = await freePort();
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    if (child) return;
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    const started = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child = started;
    try {
      await waitUntilReady(started, port);
    } catch (error) {
      started.kill('SIGKILL');
      child = undefined;
      throw error;
    }
  }

  function signal(name: 'SIGSTOP' | 'SIGCONT'): void {
    if (!child?.pid || child.exitCode !== null) throw new Error('redis-server is not running');
    process.kill(child.pid, name);
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = once(running, 'exit');
    // A frozen process only acts on SIGTERM once it runs again.
    running.kill('SIGCONT');
    running.kill('SIGTERM');
    await exited;
  }

  // The port was free a moment ago: another process (a spec file running beside this one) may
  // bind it first. The first start then moves to another port; a restart keeps its port, which
  // the spec's clients reconnect to.
  for (let attempt = 1; ; attempt += 1) {
    try {
      await start();
      break;
    } catch (error) {
      if (attempt === 5 || !String(error).includes('Address already in use')) throw error;
      port = await freePort();
    }
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
  };
}
