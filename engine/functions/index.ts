export { FunctionsService, type FunctionsServiceOptions, type InvokeOptions, type InvokeOutcome } from './functions-service.js';
export type { FunctionResult, FunctionErrorKind, LambdaErrorBody, InvocationState } from './invocation.js';
export type { FunctionSdkHost } from './function-spec.js';
export type { FunctionLogSink } from './function-logs.js';
export type { FunctionConfig, FunctionSettings } from './function-model.js';
export { functionArn, resolveFunctionName, checkSettings } from './function-model.js';
export type { FunctionUrlConfig, PermissionInput, UrlAuthType } from './function-attachments.js';
export { pythonInterpreter } from './function-env.js';
export type { EventSourceMapping, MappingQueues, MappingSettings, MappingStreams } from './event-source-mappings.js';

import { pythonInterpreter } from './function-env.js';
/** Whether a `python3` is on the engine's PATH (Python functions can run). */
export const hasPython = (): boolean => pythonInterpreter() !== null;
export { functionsApi, type FunctionLogReader } from './functions-api.js';
