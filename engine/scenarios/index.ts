/**
 * Scenarios: the file format and its loader, the runner, its steps and reporters, record and replay, and targets.
 *
 *   const scenario = loadScenario(text, file);                  // EngineError('InvalidInput'): file:line:col problems
 *   const result = await runScenario(scenario, { target, seed, reporter: createReporter('pretty', process.stdout) });
 */
export * from './record/index.js';
export * from './steps/index.js';
export * from './targets/index.js';
export {
  registerDevices, needsRegistration, devicePolicyDocument, devicePolicyName, policyPattern,
  type DeviceRegistration, type DeviceIdentity, type RegisteredFleet,
} from './provision/index.js';
export { loadScenario, type LoadOptions } from './format/load.js';
export type { Scenario, DeviceDecl } from './format/types.js';
export { scenarioSchema } from './format/schema.js';
export { schemaProblems } from './format/schema-problems.js';
export { iotClientFor, refusal } from './provision/index.js';
export { runScenario, refusals, RunAborted, type RunOptions } from './run/runner.js';
export type { KeptDevices } from './run/devices.js';
export type { RunResult, RunStatus, ScenarioEvents, StepRecord, StepStatus } from './run/events.js';
export { VIRTUAL_EPOCH } from './run/run-clock.js';
export { createReporter, junitXml, failureText, REPORTERS, type Reporter, type ReporterKind } from './report/index.js';
export { queryJsonPath, parseJsonPath, JsonPathError } from './match/jsonpath.js';
export { compileMatcher, matchSchemaProperties, matchProblems, isSubset, deepEqual, type MatchSpec, type Condition } from './match/matchers.js';
export * from './service/index.js';
