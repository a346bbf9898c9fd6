import { RE2JS } from 're2js';
import { EngineError } from '../core/index.js';

/**
 * Search in captured payloads for the topic explorer: `search` is text found anywhere in the payload, ignoring case;
 * `regex` is an RE2 regular expression (linear time in the payload, so no pattern can stall the engine), matched
 * anywhere in the payload's bytes. A call scans at most SEARCH_BUDGET_BYTES of payloads, newest first.
 */
export const SEARCH_BUDGET_BYTES = 16 * 1024 * 1024;

export type PayloadTest = (payload: Buffer) => boolean;

/** The test a query's `search` and `regex` ask for (both when both are given), or null for none. */
export function payloadTest(search: string | undefined, regex: string | undefined): PayloadTest | null {
  const tests: PayloadTest[] = [];
  if (search) {
    const needle = search.toLowerCase();
    tests.push((payload) => payload.toString('utf8').toLowerCase().includes(needle));
  }
  if (regex) {
    let re: RE2JS;
    try {
      re = RE2JS.compile(regex);
    } catch (e) {
      throw new EngineError('InvalidInput', `invalid regular expression: ${(e as Error).message}`);
    }
    tests.push((payload) => re.test(payload));
  }
  if (!tests.length) return null;
  return tests.length === 1 ? tests[0] : (payload) => tests.every((t) => t(payload));
}
