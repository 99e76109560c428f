export {
  answerAfter,
  ok,
  type RecordedRequest,
  refused,
  type ScriptedTransport,
  type ScriptedTransportOptions,
  scriptedTransport,
} from './scripted-transport.js';
export { type ModelFault, type SsmModel, type SsmModelOptions, ssmModel } from './ssm-model.js';
