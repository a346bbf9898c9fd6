/**
 * AWS IoT Commands at AWS's restJson1 paths, so `@aws-sdk/client-iot` and `@aws-sdk/client-iot-jobs-data-plane` work
 * unchanged [API:CreateCommand …]:
 * control plane (`iot`): CreateCommand `PUT /commands/{commandId}`, GetCommand `GET /commands/{commandId}`,
 * ListCommands `GET /commands`, UpdateCommand `PATCH /commands/{commandId}`, DeleteCommand `DELETE /commands/{commandId}`
 * (202 scheduled, 204 deleted), GetCommandExecution `GET /command-executions/{executionId}`, ListCommandExecutions
 * `POST /command-executions`, DeleteCommandExecution `DELETE /command-executions/{executionId}`;
 * Jobs data plane (`iot-jobs-data`): StartCommandExecution `POST /command-executions`, the same method and path as
 * ListCommandExecutions: the request's SigV4 signing name picks the route (an unsigned request lists).
 * Errors are the commands' modeled exceptions: ValidationException, ResourceNotFoundException, ConflictException.
 *
 * LIMITATIONS: no authorization (any signed request may call any operation); `includeResult` defaults to true.
 */
import { EngineError } from '../../core/index.js';
import {
  checkCommandId, parseCommandParameters, parseParameterValue, type Command, type CommandExecution, type CommandsService, type CreateCommandInput,
  type ExecutionQuery, type ParameterValue,
} from '../../commands/index.js';
import type { AwsErrorTable } from './aws-errors.js';
import type { HttpHandler, HttpRequest, Route } from './http-server.js';
import {
  decodeNextToken, encodeNextToken, epochSeconds, jsonBody, maxResults, optionalBoolean, optionalInteger, optionalObject, optionalString,
  queryBoolean, requiredString,
} from './iot-control-shared.js';
import { checkCreationTags, tagsOf } from './iot-control-tags.js';

export type CommandOperations = Pick<CommandsService, 'commands' | 'startExecution' | 'getExecution' | 'listExecutions' | 'deleteExecution'>;

/** The exceptions AWS IoT models for the commands operations (both planes). */
export const commandErrors: AwsErrorTable = {
  NotFound: { status: 404, type: 'ResourceNotFoundException' },
  AlreadyExists: { status: 409, type: 'ConflictException' },
  Conflict: { status: 409, type: 'ConflictException' },
  InvalidInput: { status: 400, type: 'ValidationException', reasons: { limitExceeded: { status: 402, type: 'ServiceQuotaExceededException' } } },
  Unauthorized: { status: 401, type: 'UnauthorizedException' },
  Forbidden: { status: 403, type: 'AccessDeniedException' },
  TooLarge: { status: 400, type: 'ValidationException' },
  Throttled: { status: 429, type: 'ThrottlingException' },
  Unavailable: { status: 503, type: 'ServiceUnavailableException' },
  Internal: { status: 500, type: 'InternalServerException' },
};

const invalid = (message: string) => new EngineError('InvalidInput', message);

function parseParameterMap(raw: unknown): Record<string, ParameterValue> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('parameters must be a map of names to values');
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, parseParameterValue(v, `parameters.${k}`)]));
}

function createInput(req: HttpRequest): CreateCommandInput {
  const body = jsonBody(req);
  const payload = optionalObject(body, 'payload');
  const preprocessor = optionalObject(body, 'preprocessor');
  const sub = preprocessor ? optionalObject(preprocessor, 'awsJsonSubstitution') : undefined;
  const tags = tagsOf(body.tags);
  checkCreationTags(tags);
  const namespace = optionalString(body, 'namespace');
  return {
    commandId: req.params.commandId,
    ...(namespace !== undefined ? { namespace: namespace as CreateCommandInput['namespace'] } : {}),
    displayName: optionalString(body, 'displayName'),
    description: optionalString(body, 'description'),
    ...(payload ? { payload: { content: optionalString(payload, 'content'), contentType: optionalString(payload, 'contentType') } } : {}),
    payloadTemplate: optionalString(body, 'payloadTemplate'),
    ...(preprocessor ? { preprocessor: sub ? { awsJsonSubstitution: { outputFormat: optionalString(sub, 'outputFormat') as 'JSON' | 'CBOR' } } : {} } : {}),
    mandatoryParameters: parseCommandParameters(body.mandatoryParameters),
    roleArn: optionalString(body, 'roleArn'),
    tags,
  };
}

const commandView = (c: Command) => ({
  commandId: c.commandId, commandArn: c.commandArn, namespace: c.namespace, displayName: c.displayName, description: c.description,
  mandatoryParameters: c.mandatoryParameters, payload: c.payload, payloadTemplate: c.payloadTemplate, preprocessor: c.preprocessor,
  createdAt: epochSeconds(c.createdAt), lastUpdatedAt: epochSeconds(c.lastUpdatedAt), deprecated: c.deprecated, pendingDeletion: c.pendingDeletion,
});

const executionSummary = (e: CommandExecution) => ({
  commandArn: e.commandArn, executionId: e.executionId, targetArn: e.targetArn, status: e.status, createdAt: epochSeconds(e.createdAt),
  startedAt: epochSeconds(e.startedAt), ...(e.completedAt !== undefined ? { completedAt: epochSeconds(e.completedAt) } : {}),
});

function page<T>(kind: string, items: T[], req: HttpRequest, max: number, fallback: number): { items: T[]; nextToken?: string } {
  const start = Number(decodeNextToken(kind, req.query.get('nextToken')) ?? 0);
  if (!Number.isInteger(start) || start < 0) throw invalid('The nextToken is invalid');
  const size = maxResults(req.query.get('maxResults'), max, fallback);
  const slice = items.slice(start, start + size);
  return { items: slice, nextToken: start + size < items.length ? encodeNextToken(kind, String(start + size)) : undefined };
}

function targetArnOf(req: HttpRequest): string {
  const targetArn = req.query.get('targetArn');
  if (!targetArn) throw invalid("1 validation error detected: Value null at 'targetArn' failed to satisfy constraint: Member must not be null");
  return targetArn;
}

function timeWindow(body: Record<string, unknown>, key: string): ExecutionQuery['startedTimeFilter'] {
  const w = optionalObject(body, key);
  return w ? { after: optionalString(w, 'after'), before: optionalString(w, 'before') } : undefined;
}

export function iotCommandRoutes(commands: CommandOperations): Route[] {
  const create: HttpHandler = async (req) => {
    const c = await commands.commands.create(createInput(req));
    return { json: { commandId: c.commandId, commandArn: c.commandArn } };
  };
  const get: HttpHandler = (req) => ({ json: commandView(commands.commands.get(req.params.commandId)) });
  const list: HttpHandler = (req) => {
    const sortOrder = req.query.get('sortOrder') ?? undefined;
    if (sortOrder !== undefined && sortOrder !== 'ASCENDING' && sortOrder !== 'DESCENDING') throw invalid('sortOrder must be ASCENDING or DESCENDING');
    const namespace = req.query.get('namespace') ?? undefined;
    if (namespace !== undefined && namespace !== 'AWS-IoT' && namespace !== 'AWS-IoT-FleetWise') throw invalid('namespace must be AWS-IoT or AWS-IoT-FleetWise');
    const all = commands.commands.list({ namespace, sortOrder, commandParameterName: req.query.get('commandParameterName') ?? undefined });
    const { items, nextToken } = page('ListCommands', all, req, 100, 25);
    return {
      json: {
        commands: items.map((c) => ({
          commandArn: c.commandArn, commandId: c.commandId, displayName: c.displayName, deprecated: c.deprecated,
          createdAt: epochSeconds(c.createdAt), lastUpdatedAt: epochSeconds(c.lastUpdatedAt), pendingDeletion: c.pendingDeletion,
        })),
        nextToken,
      },
    };
  };
  const update: HttpHandler = async (req) => {
    const body = jsonBody(req);
    const c = await commands.commands.update(req.params.commandId, {
      displayName: optionalString(body, 'displayName'), description: optionalString(body, 'description'), deprecated: optionalBoolean(body, 'deprecated'),
    });
    return { json: { commandId: c.commandId, displayName: c.displayName, description: c.description, deprecated: c.deprecated, lastUpdatedAt: epochSeconds(c.lastUpdatedAt) } };
  };
  const remove: HttpHandler = async (req) => {
    checkCommandId(req.params.commandId);
    const { immediate } = await commands.commands.delete(req.params.commandId);
    return { status: immediate ? 204 : 202 };
  };
  const getExecution: HttpHandler = (req) => {
    const e = commands.getExecution(req.params.executionId, targetArnOf(req));
    const includeResult = queryBoolean(req, 'includeResult') ?? true;
    return {
      json: {
        ...executionSummary(e), statusReason: e.statusReason, ...(includeResult && e.result ? { result: e.result } : {}), parameters: e.parameters,
        executionTimeoutSeconds: e.executionTimeoutSeconds, lastUpdatedAt: epochSeconds(e.lastUpdatedAt), timeToLive: epochSeconds(e.timeToLive),
      },
    };
  };
  const listExecutions: HttpHandler = (req) => {
    const body = jsonBody(req);
    const all = commands.listExecutions({
      commandArn: optionalString(body, 'commandArn'), targetArn: optionalString(body, 'targetArn'),
      status: optionalString(body, 'status') as ExecutionQuery['status'], namespace: optionalString(body, 'namespace'),
      sortOrder: optionalString(body, 'sortOrder') as ExecutionQuery['sortOrder'],
      startedTimeFilter: timeWindow(body, 'startedTimeFilter'), completedTimeFilter: timeWindow(body, 'completedTimeFilter'),
    });
    const { items, nextToken } = page('ListCommandExecutions', all, req, 100, 25);
    return { json: { commandExecutions: items.map(executionSummary), nextToken } };
  };
  const deleteExecution: HttpHandler = async (req) => {
    await commands.deleteExecution(req.params.executionId, targetArnOf(req));
    return { json: {} };
  };
  const start: HttpHandler = async (req) => {
    const body = jsonBody(req);
    const { executionId } = await commands.startExecution({
      targetArn: requiredString(body, 'targetArn'), commandArn: requiredString(body, 'commandArn'),
      parameters: parseParameterMap(body.parameters), executionTimeoutSeconds: optionalInteger(body.executionTimeoutSeconds, 'executionTimeoutSeconds'),
      clientToken: optionalString(body, 'clientToken'),
    });
    return { json: { executionId } };
  };
  const routes: Route[] = [
    { method: 'PUT', path: '/commands/{commandId}', operation: 'CreateCommand', handler: create },
    { method: 'GET', path: '/commands/{commandId}', operation: 'GetCommand', handler: get },
    { method: 'GET', path: '/commands', operation: 'ListCommands', handler: list },
    { method: 'PATCH', path: '/commands/{commandId}', operation: 'UpdateCommand', handler: update },
    { method: 'DELETE', path: '/commands/{commandId}', operation: 'DeleteCommand', handler: remove },
    { method: 'GET', path: '/command-executions/{executionId}', operation: 'GetCommandExecution', handler: getExecution },
    { method: 'POST', path: '/command-executions', operation: 'ListCommandExecutions', handler: listExecutions },
    { method: 'DELETE', path: '/command-executions/{executionId}', operation: 'DeleteCommandExecution', handler: deleteExecution },
    { method: 'POST', path: '/command-executions', operation: 'StartCommandExecution', handler: start, signingName: 'iot-jobs-data' },
  ];
  return routes.map((r) => ({ errors: commandErrors, ...r }));
}
