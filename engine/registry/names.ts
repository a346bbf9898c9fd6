/**
 * AWS IoT registry name and attribute rules [CP-model: ThingName, ThingTypeName, ThingGroupName, AttributeName,
 * AttributeValue; GR]. Shared by every edge through the service, so HTTP, the CLI and the UI see the same messages.
 */
import { EngineError } from '../core/index.js';

/** Things, thing types and thing groups: `[a-zA-Z0-9:_-]+`, 1–128 characters. */
export const RESOURCE_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const ATTRIBUTE_NAME = /^[a-zA-Z0-9_.,@/:#-]{1,128}$/;
const ATTRIBUTE_VALUE = /^[a-zA-Z0-9_.,@/:#=[\]-]{0,800}$/;
const DESCRIPTION = /^[\x20-\x7e]{0,2028}$/;

/** Attributes per thing: 3 without a thing type, 50 with one (AWS's registry limits). */
export const MAX_ATTRIBUTES_UNTYPED = 3;
export const MAX_ATTRIBUTES_TYPED = 50;
/** Searchable attributes per thing type. */
export const MAX_SEARCHABLE_ATTRIBUTES = 3;
/** Static groups a thing may belong to. */
export const MAX_GROUPS_PER_THING = 10;
/** Thing group hierarchy depth. */
export const MAX_GROUP_DEPTH = 7;

const invalid = (message: string) => new EngineError('InvalidInput', message);

export type ResourceKind = 'thingName' | 'thingTypeName' | 'thingGroupName';

export function validateName(kind: ResourceKind, value: unknown): string {
  if (typeof value !== 'string' || !RESOURCE_NAME.test(value)) {
    throw invalid(`1 validation error detected: Value '${String(value)}' at '${kind}' failed to satisfy constraint: `
      + 'Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+ and have length between 1 and 128');
  }
  return value;
}

/** Validates an attribute map; values must be strings as in AWS's JSON model. */
export function validateAttributes(attributes: unknown): Record<string, string> {
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) throw invalid('attributes must be a map of strings');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (!ATTRIBUTE_NAME.test(name)) {
      throw invalid(`1 validation error detected: Value '${name}' at 'attributePayload.attributes' failed to satisfy constraint: `
        + 'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z0-9_.,@/:#-]+, Member must have length less than or equal to 128]');
    }
    if (typeof value !== 'string' || !ATTRIBUTE_VALUE.test(value)) {
      throw invalid(`1 validation error detected: Value '${String(value)}' at 'attributePayload.attributes.${name}' failed to satisfy constraint: `
        + 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.,@/:#=\\[\\]-]* and have length less than or equal to 800');
    }
    out[name] = value;
  }
  return out;
}

export function validateDescription(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !DESCRIPTION.test(value)) throw invalid(`${field} must be printable text of at most 2028 characters`);
  return value;
}

export function checkAttributeCount(thing: string, count: number, typed: boolean): void {
  const max = typed ? MAX_ATTRIBUTES_TYPED : MAX_ATTRIBUTES_UNTYPED;
  if (count > max) {
    throw invalid(typed
      ? `Thing ${thing} cannot have more than ${max} attributes`
      : `Thing ${thing} cannot have more than ${max} attributes without a thing type. Associate a thing type to have up to ${MAX_ATTRIBUTES_TYPED}`);
  }
}
