/**
 * Job document parameters: `${aws:iot:parameter:<name>}` placeholders in a job template's document, filled in by
 * CreateJob's `documentParameters` when a job is created from the template. Every placeholder needs a value, and
 * every value a placeholder, as AWS checks.
 *
 * LIMITATIONS: AWS documents `documentParameters` for its managed templates; the engine fills them in custom
 * templates too (AWS's custom templates carry the same placeholders in the console's job creation).
 */
import { EngineError } from '../core/index.js';

const PLACEHOLDER = /\$\{aws:iot:parameter:([^}]*)\}/g;
const NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/** The parameter names a document's placeholders use, in order of first use. */
export function documentParameterNames(document: string): string[] {
  return [...new Set([...document.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/** Checks `documentParameters` as AWS does (names, values, at most 30 KB each) and returns it as a map. */
export function parseDocumentParameters(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new EngineError('InvalidInput', 'documentParameters must be a map of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!NAME.test(k)) throw new EngineError('InvalidInput', `1 validation error detected: Value '${k}' at 'documentParameters' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+, Member must have length less than or equal to 128, Member must have length greater than or equal to 1]`);
    if (typeof v !== 'string' || v.length < 1 || v.length > 30_720) throw new EngineError('InvalidInput', `1 validation error detected: Value at 'documentParameters.${k}' failed to satisfy constraint: Member must have length between 1 and 30720`);
    out[k] = v;
  }
  return out;
}

/**
 * The document with its placeholders filled in. A placeholder without a value, or a value without a placeholder, is
 * refused; the value is inserted as JSON string content, so it cannot break the document's structure.
 */
export function applyDocumentParameters(document: string, parameters: Record<string, string> | undefined): string {
  const names = documentParameterNames(document);
  const given = parameters ?? {};
  const missing = names.filter((n) => !(n in given));
  if (missing.length) throw new EngineError('InvalidInput', `Missing value for document parameter(s): ${missing.join(', ')}`);
  const unknown = Object.keys(given).filter((n) => !names.includes(n));
  if (unknown.length) throw new EngineError('InvalidInput', `The job document has no parameter named ${unknown.join(', ')}`);
  if (!names.length) return document;
  return document.replace(PLACEHOLDER, (_whole, name: string) => JSON.stringify(given[name]).slice(1, -1));
}
