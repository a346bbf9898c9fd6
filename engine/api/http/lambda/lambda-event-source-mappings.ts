/**
 * Event source mappings [Lambda API Reference]: CreateEventSourceMapping, GetEventSourceMapping,
 * ListEventSourceMappings (EventSourceArn, FunctionName, Marker, MaxItems), UpdateEventSourceMapping and
 * DeleteEventSourceMapping, for SQS queues (engine/functions/event-source-mappings.ts polls them).
 */
import { EngineError } from '../../../core/index.js';
import type { EventSourceMapping, MappingSettings } from '../../../functions/index.js';
import { functionArn } from '../../../functions/index.js';
import type { HttpRequest, Route } from '../http-server.js';
import { int, jsonBody, lambdaRoute, str, type LambdaOperations } from './lambda-shapes.js';

/** EventSourceMappingConfiguration (timestamps in epoch seconds, as REST-JSON sends them). */
function shape(m: EventSourceMapping, state?: string): Record<string, unknown> {
  return {
    UUID: m.uuid, BatchSize: m.batchSize, MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds, EventSourceArn: m.eventSourceArn,
    FunctionArn: functionArn(m.functionName), LastModified: m.lastModified / 1000, LastProcessingResult: m.lastProcessingResult,
    State: state ?? (m.enabled ? 'Enabled' : 'Disabled'), StateTransitionReason: 'USER_INITIATED', FunctionResponseTypes: m.functionResponseTypes,
  };
}

function settings(body: Record<string, unknown>): MappingSettings {
  const enabled = body.Enabled;
  if (enabled !== undefined && typeof enabled !== 'boolean') throw new EngineError('InvalidInput', "1 validation error detected: Value at 'enabled' failed to satisfy constraint: Member must be a boolean", { reason: 'validation' });
  const types = body.FunctionResponseTypes;
  if (types !== undefined && (!Array.isArray(types) || types.some((t) => typeof t !== 'string'))) {
    throw new EngineError('InvalidInput', "1 validation error detected: Value at 'functionResponseTypes' failed to satisfy constraint: Member must be a list of strings", { reason: 'validation' });
  }
  return { batchSize: int(body, 'BatchSize', 'batchSize'), enabled, maximumBatchingWindowInSeconds: int(body, 'MaximumBatchingWindowInSeconds', 'maximumBatchingWindowInSeconds'), functionResponseTypes: types as string[] | undefined };
}

export function lambdaEventSourceMappingRoutes(ops: LambdaOperations): Route[] {
  const list = (req: HttpRequest) => {
    const fn = req.query.get('FunctionName');
    const all = ops.mappings.list({ functionName: fn ? ops.resolveName(fn) : undefined, eventSourceArn: req.query.get('EventSourceArn') ?? undefined });
    const max = Math.min(10000, Math.max(1, Number(req.query.get('MaxItems') ?? 100) || 100));
    const from = Math.max(0, Number(req.query.get('Marker') ?? 0) || 0);
    const page = all.slice(from, from + max);
    return { json: { EventSourceMappings: page.map((m) => shape(m)), ...(from + max < all.length ? { NextMarker: String(from + max) } : {}) } };
  };
  return [
    {
      method: 'POST', path: '/2015-03-31/event-source-mappings', operation: 'CreateEventSourceMapping', ...lambdaRoute,
      handler: async (req) => {
        const body = jsonBody(req);
        const name = ops.resolveName(str(body, 'FunctionName', 'functionName', true));
        const arn = str(body, 'EventSourceArn', 'eventSourceArn', true);
        ops.get(name);
        const m = await ops.mappings.create(name, arn, settings(body));
        return { status: 202, json: shape(m, 'Creating') };
      },
    },
    { method: 'GET', path: '/2015-03-31/event-source-mappings', operation: 'ListEventSourceMappings', ...lambdaRoute, handler: list },
    { method: 'GET', path: '/2015-03-31/event-source-mappings/', operation: 'ListEventSourceMappings', ...lambdaRoute, handler: list },
    {
      method: 'GET', path: '/2015-03-31/event-source-mappings/{UUID}', operation: 'GetEventSourceMapping', ...lambdaRoute,
      handler: (req) => ({ json: shape(ops.mappings.get(req.params.UUID)) }),
    },
    {
      method: 'PUT', path: '/2015-03-31/event-source-mappings/{UUID}', operation: 'UpdateEventSourceMapping', ...lambdaRoute,
      handler: async (req) => ({ status: 202, json: shape(await ops.mappings.update(req.params.UUID, settings(jsonBody(req)))) }),
    },
    {
      method: 'DELETE', path: '/2015-03-31/event-source-mappings/{UUID}', operation: 'DeleteEventSourceMapping', ...lambdaRoute,
      handler: async (req) => ({ status: 202, json: shape(await ops.mappings.delete(req.params.UUID), 'Deleting') }),
    },
  ];
}
