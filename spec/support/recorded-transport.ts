import { axiosTransport, type SsmTransport } from '../../packages/rx-ssm/src/index.js';

/** A transport (the default one unless given) with every call it sent recorded, and its token. */
export function recorded(transport: SsmTransport = axiosTransport()) {
  const sent: Array<{ call: string; token: string }> = [];
  const send: SsmTransport = (req) => {
    sent.push({ call: req.call, token: req.headers['nv-authorizations'] ?? '' });
    return transport(req);
  };
  return { send, sent };
}
