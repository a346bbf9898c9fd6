/**
 * AWS IoT data plane (`iot-data`) Device Shadow operations [DP-model; DG:device-shadow-rest-api]: GetThingShadow,
 * UpdateThingShadow, DeleteThingShadow (each with `?name=` for a named shadow) and ListNamedShadowsForThing.
 * Bodies are AWS's shadow documents; the shadow service publishes the matching MQTT messages.
 *
 * LIMITATIONS:
 * - No authorization (`iot:GetThingShadow`, `iot:UpdateThingShadow`, …).
 * - Error bodies carry `message` only (AWS may add `code`); SDKs read the exception name from `x-amzn-ErrorType`.
 * - `pageSize` of ListNamedShadowsForThing defaults to 100 (AWS does not document its default).
 */
import { EngineError } from '../../core/index.js';
import { isUnsupportedEncoding, parseUpdatePayload, type ShadowService } from '../../shadow/index.js';
import { AwsError } from './aws-errors.js';
import type { HttpHandler, HttpRequest, Route } from './http-server.js';

/** What these handlers need from the shadow service. */
export type ShadowOperations = Pick<ShadowService, 'admitRequest' | 'get' | 'update' | 'delete' | 'listNamed' | 'seconds' | 'meter'>;

const PAGE_SIZE_MAX = 100;
/** Requests are capped like an MQTT message (128 KB); the 8 KB document limit is the service's 413. */
const MAX_BODY_BYTES = 128 * 1024;

/** `?name=` selects a named shadow; absent (or empty) means the classic shadow. */
const address = (req: HttpRequest) => ({ thing: req.params.thingName, name: req.query.get('name') || null });

/** AWS answers a document that is not UTF-8 with 415 UnsupportedDocumentEncodingException. */
function withEncodingErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isUnsupportedEncoding(e)) throw new AwsError(415, 'UnsupportedDocumentEncodingException', (e as Error).message);
    throw e;
  }
}

/** GetThingShadow: `GET /things/{thingName}/shadow?name=` → the shadow document, or 404. */
export function getThingShadow(shadows: ShadowOperations): HttpHandler {
  return (req) => {
    shadows.admitRequest(req.params.thingName);
    const doc = shadows.get(address(req));
    shadows.meter(req.params.thingName, JSON.stringify(doc).length);
    return { json: doc };
  };
}

/** UpdateThingShadow: `POST /things/{thingName}/shadow?name=` with a request state document → the accepted document. */
export function updateThingShadow(shadows: ShadowOperations): HttpHandler {
  return async (req) => {
    shadows.admitRequest(req.params.thingName);
    const request = withEncodingErrors(() => parseUpdatePayload(req.body));
    const accepted = await shadows.update(address(req), request);
    shadows.meter(req.params.thingName, req.body.length);
    return { json: accepted };
  };
}

/** DeleteThingShadow: `DELETE /things/{thingName}/shadow?name=` → `{version, timestamp}`, or 404. */
export function deleteThingShadow(shadows: ShadowOperations): HttpHandler {
  return async (req) => {
    shadows.admitRequest(req.params.thingName);
    const deleted = await shadows.delete(address(req));
    shadows.meter(req.params.thingName, req.body.length);
    return { json: deleted };
  };
}

export function parsePageSize(value: string | null): number {
  if (value === null) return PAGE_SIZE_MAX;
  const n = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= PAGE_SIZE_MAX)) throw new EngineError('InvalidInput', `Invalid pageSize: ${value}. Valid range is 1-${PAGE_SIZE_MAX}`);
  return n;
}

/** nextToken: opaque to clients; names the last shadow of the previous page. */
const encodeToken = (name: string) => Buffer.from(`s1:${name}`, 'utf8').toString('base64url');
function decodeToken(token: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (!text.startsWith('s1:')) throw new EngineError('InvalidInput', 'Invalid nextToken');
  return text.slice(3);
}

/** ListNamedShadowsForThing: `GET /api/things/shadow/ListNamedShadowsForThing/{thingName}` → `{results, nextToken?, timestamp}`. */
export function listNamedShadowsForThing(shadows: ShadowOperations): HttpHandler {
  return (req) => {
    const pageSize = parsePageSize(req.query.get('pageSize'));
    const token = req.query.get('nextToken');
    const page = shadows.listNamed(req.params.thingName, pageSize, token ? decodeToken(token) : undefined);
    const results = page.names;
    const timestamp = shadows.seconds();
    return { json: page.more ? { results, nextToken: encodeToken(results[results.length - 1]), timestamp } : { results, timestamp } };
  };
}

export function iotDataShadowRoutes(shadows: ShadowOperations): Route[] {
  return [
    { method: 'GET', path: '/things/{thingName}/shadow', operation: 'GetThingShadow', handler: getThingShadow(shadows) },
    { method: 'POST', path: '/things/{thingName}/shadow', operation: 'UpdateThingShadow', handler: updateThingShadow(shadows), maxBodyBytes: MAX_BODY_BYTES, rawBody: true },
    { method: 'DELETE', path: '/things/{thingName}/shadow', operation: 'DeleteThingShadow', handler: deleteThingShadow(shadows) },
    {
      method: 'GET', path: '/api/things/shadow/ListNamedShadowsForThing/{thingName}', operation: 'ListNamedShadowsForThing',
      handler: listNamedShadowsForThing(shadows),
    },
  ];
}
