/** The counters of one server process, rendered in the Prometheus text format. */
export interface SsmMetrics {
  setups: number;
  heartbeats: number;
  /** Sessions renewed by a licence request (DRM enforcement). */
  licenceRenewals: number;
  teardowns: number;
  /** Setups and renewals answered again for a repeat, changing nothing. */
  replays: number;
  expiries: number;
  /** Error responses by `errorCode`. */
  refusals: Map<number, number>;
  /** Setups refused at a limit (1007), by the rule that refused them. */
  limitRefusals: Map<string, number>;
  /** Sessions ended by `onLimit: evict-oldest` for a newer setup. */
  evictions: number;
  /** Sessions stopped by `POST {base}/sessions/stop`. */
  remoteStops: number;
  /** Sessions set up for a client that was gone before their answer: torn down at once. */
  undeliveredSetups: number;
}

/** Fresh counters, all zero. */
export function ssmMetrics(): SsmMetrics {
  return {
    setups: 0,
    heartbeats: 0,
    licenceRenewals: 0,
    teardowns: 0,
    replays: 0,
    expiries: 0,
    refusals: new Map(),
    limitRefusals: new Map(),
    evictions: 0,
    remoteStops: 0,
    undeliveredSetups: 0,
  };
}

/** Counts one error response. */
export function countRefusal(metrics: SsmMetrics, errorCode: number): void {
  metrics.refusals.set(errorCode, (metrics.refusals.get(errorCode) ?? 0) + 1);
}

function family(name: string, type: 'gauge' | 'counter', help: string, samples: string[]) {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples].join('\n');
}

/**
 * The Prometheus exposition of `metrics`. `liveSessions` is undefined when the store could not be
 * reached: the gauge is left out rather than reported as 0, and `rx_ssm_store_up` says why.
 */
export function prometheusText(metrics: SsmMetrics, liveSessions: number | undefined): string {
  const refusals = [...metrics.refusals.entries()]
    .sort(([a], [b]) => a - b)
    .map(([code, total]) => `rx_ssm_refusals_total{errorCode="${code}"} ${total}`);
  const limitRefusals = [...metrics.limitRefusals.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([rule, total]) => `rx_ssm_limit_refusals_total{rule="${rule}"} ${total}`);
  return `${[
    family('rx_ssm_store_up', 'gauge', '1 when the session store answered.', [
      `rx_ssm_store_up ${liveSessions === undefined ? 0 : 1}`,
    ]),
    family(
      'rx_ssm_live_sessions',
      'gauge',
      'Sessions set up and neither torn down nor expired.',
      liveSessions === undefined ? [] : [`rx_ssm_live_sessions ${liveSessions}`],
    ),
    family('rx_ssm_setups_total', 'counter', 'Sessions admitted by setup.', [
      `rx_ssm_setups_total ${metrics.setups}`,
    ]),
    family('rx_ssm_refusals_total', 'counter', 'Error responses, by errorCode.', refusals),
    family('rx_ssm_heartbeats_total', 'counter', 'Sessions renewed by heartbeat.', [
      `rx_ssm_heartbeats_total ${metrics.heartbeats}`,
    ]),
    family('rx_ssm_licence_renewals_total', 'counter', 'Sessions renewed by a licence request.', [
      `rx_ssm_licence_renewals_total ${metrics.licenceRenewals}`,
    ]),
    family('rx_ssm_teardowns_total', 'counter', 'Sessions torn down.', [
      `rx_ssm_teardowns_total ${metrics.teardowns}`,
    ]),
    family('rx_ssm_replays_total', 'counter', 'Setups and renewals repeated, answered again.', [
      `rx_ssm_replays_total ${metrics.replays}`,
    ]),
    family('rx_ssm_expiries_total', 'counter', 'Sessions expired without renewal.', [
      `rx_ssm_expiries_total ${metrics.expiries}`,
    ]),
    family(
      'rx_ssm_limit_refusals_total',
      'counter',
      'Setups refused at a limit (1007), by rule.',
      limitRefusals,
    ),
    family(
      'rx_ssm_evictions_total',
      'counter',
      'Sessions ended for a newer setup (evict-oldest).',
      [`rx_ssm_evictions_total ${metrics.evictions}`],
    ),
    family('rx_ssm_remote_stops_total', 'counter', 'Sessions stopped from another device.', [
      `rx_ssm_remote_stops_total ${metrics.remoteStops}`,
    ]),
    family(
      'rx_ssm_undelivered_setups_total',
      'counter',
      'Sessions set up for a client gone before the answer, torn down at once.',
      [`rx_ssm_undelivered_setups_total ${metrics.undeliveredSetups}`],
    ),
  ].join('\n')}\n`;
}
