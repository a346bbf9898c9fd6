/**
 * Helpers shared by the AWS IoT control-plane handlers (`iot-control-registry.ts`, `iot-control-security.ts`):
 * restJson1 body and query parsing with AWS's validation messages, opaque page tokens, epoch-second timestamps,
 * ARN parsing, and `controlRoutes()` that gives routes the control-plane error table.
 */
import { EngineError, LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../core/index.js';
import { iotControlErrors } from './aws-errors.js';
import type { HttpRequest, Route } from './http-server.js';

const invalid = (message: string) => new EngineError('InvalidInput', message);

/** Marks routes as control-plane routes: their errors use `iotControlErrors` (ResourceAlreadyExistsException, …). */
export function controlRoutes(routes: Route[]): Route[] {
  return routes.map((r) => ({ errors: iotControlErrors, ...r }));
}

/** The JSON request body as an object; an empty body is `{}`. */
export function jsonBody(req: HttpRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw invalid('The request body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('The request body must be a JSON object');
  return value as Record<string, unknown>;
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${key} must be a string`);
  return v;
}

export function requiredString(body: Record<string, unknown>, key: string): string {
  const v = optionalString(body, key);
  if (v === undefined) throw invalid(`1 validation error detected: Value null at '${key}' failed to satisfy constraint: Member must not be null`);
  return v;
}

export function optionalBoolean(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${key} must be a boolean`);
  return v;
}

export function optionalObject(body: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`${key} must be an object`);
  return v as Record<string, unknown>;
}

export function optionalInteger(value: unknown, key: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw invalid(`${key} must be an integer`);
  return n;
}

/** A boolean query parameter (`true`/`false`); absent is undefined. */
export function queryBoolean(req: HttpRequest, key: string): boolean | undefined {
  const v = req.query.get(key);
  if (v === null) return undefined;
  if (v === 'true' || v === 'false') return v === 'true';
  throw invalid(`Invalid ${key}: ${v}. Valid values are true and false`);
}

/** `maxResults` (query or body) within AWS's range for the operation; `fallback` when absent. */
export function maxResults(value: unknown, max: number, fallback: number, key = 'maxResults'): number {
  const n = optionalInteger(value === null ? undefined : value, key);
  if (n === undefined) return fallback;
  if (n < 1 || n > max) {
    throw invalid(`1 validation error detected: Value '${n}' at '${key}' failed to satisfy constraint: Member must have value ${n < 1 ? 'greater than or equal to 1' : `less than or equal to ${max}`}`);
  }
  return n;
}

/** Page tokens are opaque to clients: `kind` keeps one operation's token from being replayed on another. */
export function encodeNextToken(kind: string, key: string | undefined): string | undefined {
  return key === undefined ? undefined : Buffer.from(`${kind}\u0000${key}`, 'utf8').toString('base64url');
}

export function decodeNextToken(kind: string, token: unknown): string | undefined {
  if (token === undefined || token === null || token === '') return undefined;
  const text = typeof token === 'string' && /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (!text.startsWith(`${kind}\u0000`)) throw invalid('The nextToken is invalid');
  return text.slice(kind.length + 1);
}

/** restJson1 timestamps are epoch seconds (fractional allowed). */
export const epochSeconds = (ms: number) => ms / 1000;

/** The `x-amzn-principal` header (AttachThingPrincipal, ListPrincipalThings, …). */
export function principalHeader(req: HttpRequest): string {
  const v = req.headers['x-amzn-principal'];
  const principal = Array.isArray(v) ? v[0] : v;
  if (!principal) throw invalid("1 validation error detected: Value null at 'principal' failed to satisfy constraint: Member must not be null");
  return principal;
}

/** The resource name of a local IoT ARN of the given type (`thing`, `thinggroup`, `cert`, …), or undefined. */
export function arnResource(arn: string, type: string): string | undefined {
  const prefix = `arn:aws:iot:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${type}/`;
  if (arn.startsWith(prefix)) return arn.slice(prefix.length);
  const m = /^arn:aws[a-z-]*:iot:[^:]*:[^:]*:([a-z]+)\/(.+)$/.exec(arn);
  return m && m[1] === type ? m[2] : undefined;
}
