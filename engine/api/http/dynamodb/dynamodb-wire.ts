/**
 * DynamoDB's wire details the generic JSON codec does not know: binary attribute values travel as Buffers through
 * the codec (blobs) but as base64 text in the domain, and the domain's errors carry AWS's exception name in
 * `details.reason` with extra fields (the failed item, the cancellation reasons).
 */
import { isEngineError } from '../../../core/index.js';
import { serviceError, type OperationContext, type OperationHandler } from '../protocols/index.js';

/** Input: every Buffer (an attribute value's B or BS member) as base64 text. */
export function toDomain(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(toDomain);
  if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, toDomain(e)]));
  return v;
}

/** Output: attribute values `{ B: base64 }` and `{ BS: [base64] }` as Buffers, so the codec writes them once. */
export function toWire(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === 'object' && !(v instanceof Date) && !Buffer.isBuffer(v)) {
    const keys = Object.keys(v);
    const o = v as Record<string, unknown>;
    if (keys.length === 1 && keys[0] === 'B' && typeof o.B === 'string') return { B: Buffer.from(o.B, 'base64') };
    if (keys.length === 1 && keys[0] === 'BS' && Array.isArray(o.BS) && o.BS.every((e) => typeof e === 'string')) return { BS: (o.BS as string[]).map((e) => Buffer.from(e, 'base64')) };
    return Object.fromEntries(keys.map((k) => [k, toWire(o[k])]));
  }
  return v;
}

/** A domain error as DynamoDB's exception (`__type`, message, and its fields). */
export function asServiceError(e: unknown): unknown {
  if (!isEngineError(e)) return e;
  const d = (e.details ?? {}) as { reason?: string; item?: unknown; cancellationReasons?: unknown };
  if (!d.reason) return e;
  // error fields are written as plain JSON, not through the model: binary values stay base64 text
  const fields = d.reason === 'ConditionalCheckFailedException' && d.item ? { Item: d.item }
    : d.reason === 'TransactionCanceledException' ? { CancellationReasons: d.cancellationReasons } : undefined;
  return serviceError(d.reason, e.message, fields ? { fields } : {});
}

/** An operation over domain values: converts the input and output and maps the errors. */
export function operation(fn: (input: any, ctx: OperationContext) => unknown): OperationHandler {
  return async (input, ctx) => {
    try {
      return toWire(await fn(toDomain(input), ctx));
    } catch (e) {
      throw asServiceError(e);
    }
  };
}
