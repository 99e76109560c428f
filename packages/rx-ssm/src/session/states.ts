import type { SsmError } from '../error.js';
import type { SsmRenewalMode, SsmSource, SsmState } from '../types.js';
import { authorizationOf } from '../wire/wire.js';

/** The states of {@link SsmState}, built in one place so every step says them the same way. */
export const idle: SsmState = { status: 'idle' };

export const awaitingToken = (source: SsmSource): SsmState => ({
  status: 'awaiting-token',
  source,
});

export const settingUp = (source: SsmSource, reestablishing?: SsmError): SsmState => ({
  status: 'setting-up',
  source,
  ...(reestablishing && { reestablishing }),
});

export const tearingDown = (source: SsmSource): SsmState => ({ status: 'tearing-down', source });

export const failed = (source: SsmSource, error: SsmError): SsmState => ({
  status: 'error',
  source,
  error,
});

export const active = (
  source: SsmSource,
  sessionToken: string,
  heartbeatSeconds: number,
  renewal: SsmRenewalMode,
): SsmState => ({
  status: 'active',
  source,
  sessionToken,
  heartbeatSeconds,
  authorization: authorizationOf(source.token ?? '', sessionToken),
  renewal,
});
