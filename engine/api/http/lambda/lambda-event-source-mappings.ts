/**
 * Event source mappings [Lambda API Reference]: CreateEventSourceMapping, GetEventSourceMapping,
 * ListEventSourceMappings (EventSourceArn, FunctionName, Marker, MaxItems), UpdateEventSourceMapping and
 * DeleteEventSourceMapping, for SQS queues, Kinesis streams and DynamoDB streams (engine/functions/event-source-mappings.ts
 * reads them).
 */
import { EngineError, LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../../core/index.js';
import type { EventSourceMapping, MappingSettings } from '../../../functions/index.js';
import { functionArn } from '../../../functions/index.js';
import type { HttpRequest, Route } from '../http-server.js';
import { int, jsonBody, lambdaRoute, str, type LambdaOperations } from './lambda-shapes.js';

const isStream = (m: EventSourceMapping) => m.startingPosition !== undefined;

/** EventSourceMappingConfiguration (timestamps in epoch seconds, as REST-JSON sends them); streams show their own members. */
function shape(m: EventSourceMapping, state?: string): Record<string, unknown> {
  const common = {
    UUID: m.uuid, BatchSize: m.batchSize, MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds, EventSourceArn: m.eventSourceArn,
    FunctionArn: functionArn(m.functionName), LastModified: m.lastModified / 1000, LastProcessingResult: m.lastProcessingResult,
    State: state ?? (m.enabled ? 'Enabled' : 'Disabled'), StateTransitionReason: isStream(m) ? 'User action' : 'USER_INITIATED', FunctionResponseTypes: m.functionResponseTypes,
    EventSourceMappingArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:event-source-mapping:${m.uuid}`,
    ...(m.filterCriteria ? { FilterCriteria: m.filterCriteria } : {}),
  };
  if (!isStream(m)) return common;
  return {
    ...common,
    ParallelizationFactor: m.parallelizationFactor ?? 1, StartingPosition: m.startingPosition,
    ...(m.startingPositionTimestamp !== undefined ? { StartingPositionTimestamp: m.startingPositionTimestamp } : {}),
    DestinationConfig: m.onFailure ? { OnFailure: { Destination: m.onFailure } } : {},
    MaximumRecordAgeInSeconds: m.maximumRecordAgeInSeconds ?? -1, BisectBatchOnFunctionError: m.bisectBatchOnFunctionError ?? false,
    MaximumRetryAttempts: m.maximumRetryAttempts ?? -1, TumblingWindowInSeconds: 0,
  };
}

const typeProblem = (member: string, type: string) => new EngineError('InvalidInput', `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must be ${type}`, { reason: 'validation' });

function bool(body: Record<string, unknown>, key: string, member: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw typeProblem(member, 'a boolean');
  return v;
}

/** `DestinationConfig: { OnFailure: { Destination }, OnSuccess }` → the OnFailure destination (null: remove it). */
function destination(body: Record<string, unknown>): MappingSettings['destination'] {
  const d = body.DestinationConfig;
  if (d === undefined || d === null) return undefined;
  if (typeof d !== 'object' || Array.isArray(d)) throw typeProblem('destinationConfig', 'a structure');
  const { OnFailure, OnSuccess } = d as { OnFailure?: unknown; OnSuccess?: unknown };
  const dest = OnFailure && typeof OnFailure === 'object' ? (OnFailure as { Destination?: unknown }).Destination : undefined;
  if (dest !== undefined && dest !== null && typeof dest !== 'string') throw typeProblem('destinationConfig.onFailure.destination', 'a string');
  const onSuccess = OnSuccess && typeof OnSuccess === 'object' ? (OnSuccess as { Destination?: unknown }).Destination : undefined;
  return { onFailure: (dest as string | undefined) || null, ...(onSuccess ? { onSuccess: true } : {}) };
}

function settings(body: Record<string, unknown>): MappingSettings {
  const types = body.FunctionResponseTypes;
  if (types !== undefined && (!Array.isArray(types) || types.some((t) => typeof t !== 'string'))) throw typeProblem('functionResponseTypes', 'a list of strings');
  const ts = body.StartingPositionTimestamp;
  if (ts !== undefined && ts !== null && (typeof ts !== 'number' || !Number.isFinite(ts))) throw typeProblem('startingPositionTimestamp', 'a timestamp');
  return {
    batchSize: int(body, 'BatchSize', 'batchSize'), enabled: bool(body, 'Enabled', 'enabled'),
    maximumBatchingWindowInSeconds: int(body, 'MaximumBatchingWindowInSeconds', 'maximumBatchingWindowInSeconds'),
    functionResponseTypes: types as string[] | undefined,
    startingPosition: str(body, 'StartingPosition', 'startingPosition'),
    startingPositionTimestamp: ts === null ? undefined : (ts as number | undefined),
    maximumRetryAttempts: int(body, 'MaximumRetryAttempts', 'maximumRetryAttempts'),
    maximumRecordAgeInSeconds: int(body, 'MaximumRecordAgeInSeconds', 'maximumRecordAgeInSeconds'),
    bisectBatchOnFunctionError: bool(body, 'BisectBatchOnFunctionError', 'bisectBatchOnFunctionError'),
    parallelizationFactor: int(body, 'ParallelizationFactor', 'parallelizationFactor'),
    tumblingWindowInSeconds: int(body, 'TumblingWindowInSeconds', 'tumblingWindowInSeconds'),
    destination: destination(body),
    filterCriteria: body.FilterCriteria === null ? {} : body.FilterCriteria,
  };
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
  const create = async (req: HttpRequest) => {
    const body = jsonBody(req);
    const name = ops.resolveName(str(body, 'FunctionName', 'functionName', true));
    const arn = str(body, 'EventSourceArn', 'eventSourceArn', true);
    ops.get(name);
    const m = await ops.mappings.create(name, arn, settings(body));
    return { status: 202, json: shape(m, 'Creating') };
  };
  return [
    // The AWS CLI posts to the collection with a trailing slash; the SDK without.
    { method: 'POST', path: '/2015-03-31/event-source-mappings', operation: 'CreateEventSourceMapping', ...lambdaRoute, handler: create },
    { method: 'POST', path: '/2015-03-31/event-source-mappings/', operation: 'CreateEventSourceMapping', ...lambdaRoute, handler: create },
    { method: 'GET', path: '/2015-03-31/event-source-mappings', operation: 'ListEventSourceMappings', ...lambdaRoute, handler: list },
    { method: 'GET', path: '/2015-03-31/event-source-mappings/', operation: 'ListEventSourceMappings', ...lambdaRoute, handler: list },
    {
      method: 'GET', path: '/2015-03-31/event-source-mappings/{UUID}', operation: 'GetEventSourceMapping', ...lambdaRoute,
      handler: (req) => ({ json: shape(ops.mappings.get(req.params.UUID)) }),
    },
    {
      method: 'PUT', path: '/2015-03-31/event-source-mappings/{UUID}', operation: 'UpdateEventSourceMapping', ...lambdaRoute,
      handler: async (req) => {
        const raw = jsonBody(req);
        const body = settings(raw);
        const fn = str(raw, 'FunctionName', 'functionName');
        if (fn !== undefined) {
          body.functionName = ops.resolveName(fn);
          ops.get(body.functionName);
        }
        const before = ops.mappings.get(req.params.UUID).enabled;
        const m = await ops.mappings.update(req.params.UUID, body);
        return { status: 202, json: shape(m, m.enabled === before ? 'Updating' : m.enabled ? 'Enabling' : 'Disabling') };
      },
    },
    {
      method: 'DELETE', path: '/2015-03-31/event-source-mappings/{UUID}', operation: 'DeleteEventSourceMapping', ...lambdaRoute,
      handler: async (req) => ({ status: 202, json: shape(await ops.mappings.delete(req.params.UUID), 'Deleting') }),
    },
  ];
}
