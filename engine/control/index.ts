export {
  ControlService, MAX_COMMAND_PAYLOAD, MAX_COMMAND_TIMEOUT_MS,
  type AskingDevices, type CommandAnswer, type CommandHandedOver, type CommandAnswered, type ControlEvents, type ControlOptions, type PendingInfo, type SendCommand,
} from './control-service.js';
export type { PendingCommand, Via } from './pending-commands.js';
export * from './wire-names.js';
export { controlApi, DEFAULT_TIMEOUT_MS } from './control-api.js';
