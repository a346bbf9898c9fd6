/** Parameter checks shared by action factories: each throws EngineError('InvalidInput') naming the field. */
import { EngineError } from '../../core/index.js';

export function requiredString(params: Record<string, unknown>, field: string, action: string): string {
  const v = params[field];
  if (typeof v !== 'string' || v.length === 0) throw new EngineError('InvalidInput', `${action}.${field} is required and must be a non-empty string`);
  return v;
}

export function optionalString(params: Record<string, unknown>, field: string, action: string): string | undefined {
  const v = params[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new EngineError('InvalidInput', `${action}.${field} must be a string`);
  return v;
}

export function optionalInteger(params: Record<string, unknown>, field: string, action: string, min: number, max: number): number | undefined {
  const v = params[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new EngineError('InvalidInput', `${action}.${field} must be an integer from ${min} to ${max}`);
  }
  return v;
}
