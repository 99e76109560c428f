import { describe, expect, it } from 'vitest';
import { SsmError, SsmErrorCode } from '../src/index.js';

describe('SsmError', () => {
  it.each([
    ['setup', SsmErrorCode.Setup, 6001, true],
    ['teardown', SsmErrorCode.Teardown, 6002, false],
    ['heartbeat', SsmErrorCode.Heartbeat, 6003, true],
  ] as const)('%s is %i (%i), fatal: %s', (kind, code, number, fatal) => {
    const error = new SsmError({ kind, message: 'm' });
    expect(error.code).toBe(code);
    expect(error.code).toBe(number);
    expect(error.fatal).toBe(fatal);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SsmError');
    expect(error.isSessionLimit).toBe(false);
  });

  it('knows the session limit and keeps the cause', () => {
    const cause = new Error('net');
    const error = new SsmError({ kind: 'setup', message: 'm', serverCode: 1007, cause });
    expect(error.isSessionLimit).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error).not.toHaveProperty('httpStatus');
  });
});
