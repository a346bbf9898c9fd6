/**
 * AWS IoT's stream operations (restJson1, AWS's paths): CreateStream `POST /streams/{streamId}`, DescribeStream
 * `GET /streams/{streamId}`, ListStreams `GET /streams`, UpdateStream `PUT /streams/{streamId}` and DeleteStream
 * `DELETE /streams/{streamId}`, over the streams of engine/streams (whose files are objects in the local S3).
 *
 * LIMITATIONS: see engine/streams/stream-service.ts (no object versions, roles not assumed, tags not kept).
 */
import { EngineError } from '../../core/index.js';
import { MAX_STREAM_FILES, type Stream, type StreamFileInput, type StreamService } from '../../streams/index.js';
import type { HttpHandler, HttpRequest, Route } from './http-server.js';
import {
  controlRoutes, decodeNextToken, encodeNextToken, epochSeconds, jsonBody, maxResults, optionalString, queryBoolean, requiredString,
} from './iot-control-shared.js';

export type StreamOperations = Pick<StreamService, 'create' | 'update' | 'get' | 'list' | 'delete'>;

const invalid = (message: string) => new EngineError('InvalidInput', message);
const constraint = (value: unknown, at: string, rule: string) =>
  invalid(`1 validation error detected: Value '${typeof value === 'string' ? value : JSON.stringify(value)}' at '${at}' failed to satisfy constraint: Member must ${rule}`);

function streamId(req: HttpRequest): string {
  const id = req.params.streamId;
  if (id.length > 128) throw constraint(id, 'streamId', 'have length less than or equal to 128');
  if (!/^[a-zA-Z0-9_-]+$/.test(id)) throw constraint(id, 'streamId', 'satisfy regular expression pattern: [a-zA-Z0-9_-]+');
  return id;
}

function description(body: Record<string, unknown>): string | undefined {
  const d = optionalString(body, 'description');
  if (d !== undefined && d.length > 2028) throw constraint(d, 'description', 'have length less than or equal to 2028');
  if (d !== undefined && /\p{C}/u.test(d)) throw constraint(d, 'description', 'satisfy regular expression pattern: [^\\p{C}]+');
  return d;
}

function roleArn(value: string): string {
  if (value.length < 20) throw constraint(value, 'roleArn', 'have length greater than or equal to 20');
  if (value.length > 2048) throw constraint(value, 'roleArn', 'have length less than or equal to 2048');
  return value;
}

/** `files`: 1 to 50 `{fileId, s3Location: {bucket, key, version?}}`. */
function files(value: unknown): StreamFileInput[] {
  if (!Array.isArray(value)) throw invalid('files must be a list of {"fileId": integer, "s3Location": {"bucket", "key", "version"}}');
  if (value.length < 1) throw constraint(value, 'files', 'have length greater than or equal to 1');
  if (value.length > MAX_STREAM_FILES) throw constraint(`[${value.length} files]`, 'files', `have length less than or equal to ${MAX_STREAM_FILES}`);
  return value.map((f: unknown, i) => {
    if (!f || typeof f !== 'object' || Array.isArray(f)) throw invalid(`files[${i}] must be an object`);
    const file = f as Record<string, unknown>;
    const id = file.fileId;
    if (id === undefined || id === null) throw invalid(`1 validation error detected: Value null at 'files.${i + 1}.member.fileId' failed to satisfy constraint: Member must not be null`);
    if (typeof id !== 'number' || !Number.isInteger(id)) throw invalid(`files[${i}].fileId must be an integer`);
    if (id < 0) throw constraint(id, `files.${i + 1}.member.fileId`, 'have value greater than or equal to 0');
    if (id > 255) throw constraint(id, `files.${i + 1}.member.fileId`, 'have value less than or equal to 255');
    const loc = file.s3Location;
    if (!loc || typeof loc !== 'object' || Array.isArray(loc)) throw invalid(`1 validation error detected: Value null at 'files.${i + 1}.member.s3Location' failed to satisfy constraint: Member must not be null`);
    const s3 = loc as Record<string, unknown>;
    const bucket = optionalString(s3, 'bucket'), key = optionalString(s3, 'key'), version = optionalString(s3, 'version');
    if (!bucket) throw invalid(`The S3 bucket of file ${id} is required`);
    if (!key) throw invalid(`The S3 key of file ${id} is required`);
    return { fileId: id, bucket, key, ...(version !== undefined ? { version } : {}) };
  });
}

const summary = (s: Stream) => ({ streamId: s.id, streamArn: s.arn, ...(s.description !== undefined ? { description: s.description } : {}), streamVersion: s.version });

function info(s: Stream) {
  return {
    streamId: s.id, streamArn: s.arn, streamVersion: s.version, ...(s.description !== undefined ? { description: s.description } : {}),
    files: s.files.map((f) => ({ fileId: f.fileId, s3Location: { bucket: f.bucket, key: f.key, ...(f.version !== undefined ? { version: f.version } : {}) } })),
    createdAt: epochSeconds(s.created), lastUpdatedAt: epochSeconds(s.updated), roleArn: s.roleArn,
  };
}

export function iotStreamRoutes(streams: StreamOperations): Route[] {
  const create: HttpHandler = async (req) => {
    const id = streamId(req);
    const body = jsonBody(req);
    const d = description(body);
    const input = { id, ...(d !== undefined ? { description: d } : {}), files: files(body.files), roleArn: roleArn(requiredString(body, 'roleArn')) };
    return { json: summary(await streams.create(input)) };
  };
  const update: HttpHandler = async (req) => {
    const id = streamId(req);
    const body = jsonBody(req);
    const d = description(body);
    const role = optionalString(body, 'roleArn');
    const patch = {
      ...(d !== undefined ? { description: d } : {}), ...(role !== undefined ? { roleArn: roleArn(role) } : {}),
      ...(body.files !== undefined && body.files !== null ? { files: files(body.files) } : {}),
    };
    return { json: summary(await streams.update(id, patch)) };
  };
  const describe: HttpHandler = (req) => ({ json: { streamInfo: info(streams.get(streamId(req))) } });
  const list: HttpHandler = (req) => {
    const limit = maxResults(req.query.get('maxResults'), 250, 250);
    const from = Number(decodeNextToken('streams', req.query.get('nextToken')) ?? 0);
    const all = streams.list(queryBoolean(req, 'isAscendingOrder') ?? false);
    const page = all.slice(from, from + limit);
    const nextToken = from + limit < all.length ? encodeNextToken('streams', String(from + limit)) : undefined;
    return { json: { streams: page.map(summary), ...(nextToken ? { nextToken } : {}) } };
  };
  const remove: HttpHandler = async (req) => {
    await streams.delete(streamId(req));
    return { json: {} };
  };
  return controlRoutes([
    { method: 'POST', path: '/streams/{streamId}', operation: 'CreateStream', handler: create },
    { method: 'GET', path: '/streams/{streamId}', operation: 'DescribeStream', handler: describe },
    { method: 'GET', path: '/streams', operation: 'ListStreams', handler: list },
    { method: 'PUT', path: '/streams/{streamId}', operation: 'UpdateStream', handler: update },
    { method: 'DELETE', path: '/streams/{streamId}', operation: 'DeleteStream', handler: remove },
  ]);
}
