import cluster from 'node:cluster';

/**
 * Calls `reload` on each SIGHUP (the usual "re-read your configuration" signal) until the
 * returned function is called; without it, SIGHUP would end the process.
 */
export function onHangUp(reload: () => void): () => void {
  process.on('SIGHUP', reload);
  return () => {
    process.off('SIGHUP', reload);
  };
}

/** In the primary of `--workers`: passes a SIGHUP on to every worker, so each re-reads its keys. */
export function forwardHangUpToWorkers(): () => void {
  return onHangUp(() => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP');
  });
}
