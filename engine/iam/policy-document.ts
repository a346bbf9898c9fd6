/**
 * IAM policy documents are stored as sent and checked only for the shape IAM refuses with MalformedPolicyDocument:
 * JSON, a `Statement` (object or array) whose entries have an `Effect` of Allow or Deny and an `Action` or
 * `NotAction`; an identity policy also needs `Resource`/`NotResource` and may not name a `Principal`; a trust policy
 * needs a `Principal`. Messages are IAM's. Nothing evaluates the documents (IAM is not enforced).
 */
import { EngineError } from '../core/index.js';

export type PolicyKind = 'identity' | 'trust';

const malformed = (message: string) => new EngineError('InvalidInput', message, { reason: 'malformedPolicy' });

export function checkPolicyDocument(text: string, kind: PolicyKind): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed('This policy contains invalid Json');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw malformed('This policy contains invalid Json');
  const { Version, Statement } = doc as Record<string, unknown>;
  if (Version !== undefined && Version !== '2012-10-17' && Version !== '2008-10-17') throw malformed('The policy failed legacy parsing');
  if (Statement === undefined) throw malformed('Syntax errors in policy.');
  const statements = Array.isArray(Statement) ? Statement : [Statement];
  if (!statements.length) throw malformed('Syntax errors in policy.');
  for (const s of statements) {
    if (!s || typeof s !== 'object' || Array.isArray(s)) throw malformed('Syntax errors in policy.');
    const st = s as Record<string, unknown>;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') throw malformed(st.Effect === undefined ? 'Missing required field Effect' : `Invalid effect: ${String(st.Effect)}`);
    if (st.Action === undefined && st.NotAction === undefined) throw malformed('Policy statement must contain actions.');
    if (kind === 'identity') {
      if (st.Principal !== undefined || st.NotPrincipal !== undefined) throw malformed('Policy document should not specify a principal.');
      if (st.Resource === undefined && st.NotResource === undefined) throw malformed('Policy statement must contain resources.');
    } else {
      if (st.Principal === undefined && st.NotPrincipal === undefined) throw malformed('Missing required field Principal');
      if (st.Resource !== undefined || st.NotResource !== undefined) throw malformed('Has prohibited field Resource');
    }
  }
}
