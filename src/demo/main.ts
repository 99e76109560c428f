import { startDemo } from './serve.js';

/**
 * `npm start`: the demo on `PORT` (default 8080, or a free port when that one is taken) and
 * `HOST` (default 127.0.0.1), until Ctrl-C.
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  const host = process.env.HOST ?? '127.0.0.1';
  const demo = await startDemo({ port, host }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE' || process.env.PORT) throw error;
    console.log(`port ${port} is taken, using a free one`);
    return startDemo({ host });
  });
  console.log(`rx-ssm demo: ${demo.url}`);
  console.log(`  SSM server: ${demo.ssmServerUrl}   metrics: ${new URL('/metrics', demo.url)}`);
  console.log('  open the page, press play; a second tab with the same ?account= hits the limit');
  const stop = () => {
    demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Without a terminal, npm does not pass SIGTERM on to its script: when npm is gone (this
  // process was handed to another parent), stop too instead of holding the port.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop(), 250).unref();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
