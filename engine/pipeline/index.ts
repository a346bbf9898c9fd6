export { PipelineService, type PipelineEvents, type PipelineSources } from './pipeline-service.js';
export { buildGraph, structureKey, type PipelineInput } from './pipeline-graph.js';
export { actionTarget, functionName } from './action-targets.js';
