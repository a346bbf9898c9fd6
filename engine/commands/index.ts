export { commandsApi } from './commands-api.js';
export { CommandsService, DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS, parseTarget, type CommandsEvents, type CommandsOptions, type StartExecutionInput } from './commands-service.js';
export { checkCommandId, type CommandCatalog, type CreateCommandInput, type CommandListQuery } from './command-catalog.js';
export { parseCommandParameters, parseParameterValue } from './command-parameters.js';
export { checkExecutionQuery, type ExecutionQuery, type TimeWindow } from './execution-query.js';
export { formatOfContentType, requestTopic, executionTopic } from './command-topics.js';
export {
  EXECUTION_STATUSES, isFinal, type Command, type CommandExecution, type CommandParameter, type ExecutionStatus, type ParameterValue, type ResultValue,
} from './command-types.js';
export { updateOfAnswer, type AskingCommand, type AskingDevicesPort } from './asking-bridge.js';
