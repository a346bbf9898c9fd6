/**
 * Device models: the YAML model file, its schema and loader, and the seeded generators that fill a device's messages.
 * Pure code: no network, no wall clock.
 *
 *   const model = loadDeviceModel(text, 'turbine.yaml');          // throws EngineError('InvalidInput') listing file:line:col
 *   const ctx = createDeviceContext(model, index, seed);           // thing name, client id, attributes, vars
 *   const sampler = createFieldSampler(model.telemetry[0].fields, ctx, { replay: readReplayFiles(model, dir) });
 *   const payload = sampler.sample(clock.now());
 *   const topic = renderTemplate(model.telemetry[0].topic, ctx, payload);
 */
export type * from './types.js';
export type * from './sampler-types.js';
export { createDeviceContext, createFieldSampler, renderTemplate, contextScope } from './sampler.js';
export { readReplayFiles, parseCsv, parseJsonLines } from './replay-files.js';
export { compileExpression, compileTemplate, ExpressionError, EXPRESSION_FUNCTIONS } from './expression.js';
export type { CompiledExpression, CompiledTemplate } from './expression.js';
export { createRng, type Rng } from './prng.js';
export { loadDeviceModel } from './load.js';
export { BUILT_IN_MODELS_DIR, loadBuiltInModels } from './built-ins.js';
export { parseDuration } from './normalize.js';
export { parseSchedule, ScheduleError, type Schedule } from './schedule.js';
export { deviceModelSchema, GENERATOR_NAMES } from './schema.js';
export { formatProblem, type Problem } from './positions.js';
export {
  DeviceStateMachine, compileStateMachine, topicFilterMatches,
  type StateMachineEvent, type TakenTransition, type StateMachineSpec, type TransitionSpec, type TransitionTriggerSpec, type GuardScope,
} from './state-machine.js';
export { loadModelCatalog, findModel, customModelsDir, type ModelCatalog, type CatalogModel, type CatalogError } from './model-catalog.js';
