/**
 * Whether an AWS service may assume a role, as the service asks STS before it accepts the role (`--require-roles`):
 * a role in another account is taken to exist there (the engine cannot see it); one in the engine's account must
 * exist here and its trust policy must let the service principal (`lambda.amazonaws.com`) call `sts:AssumeRole`.
 * The trust policy is read for what a service principal needs: an `Allow` statement naming the service (or `*`) with
 * `sts:AssumeRole` (or `sts:*`, `*`), and no `Deny` statement doing the same. Conditions are not evaluated.
 */
import { LOCAL_ACCOUNT_ID } from '../core/index.js';
import type { Role } from './roles.js';

const ROLE_ARN = /^arn:aws[a-zA-Z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function names(statement: Record<string, unknown>, service: string): boolean {
  const p = statement.Principal;
  if (p === '*') return true;
  if (!p || typeof p !== 'object') return false;
  const principal = p as Record<string, unknown>;
  return list(principal.Service).includes(service) || list(principal.AWS).includes('*');
}

const assumes = (statement: Record<string, unknown>) =>
  list(statement.Action).some((a) => typeof a === 'string' && ['sts:assumerole', 'sts:*', '*'].includes(a.toLowerCase()));

/** Whether `service` may assume `role` under its trust policy. */
export function trusts(role: Pick<Role, 'trustPolicy'>, service: string): boolean {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(role.trustPolicy) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = list(doc.Statement).filter((s): s is Record<string, unknown> => !!s && typeof s === 'object');
  const matching = statements.filter((s) => names(s, service) && assumes(s));
  return matching.some((s) => s.Effect === 'Allow') && !matching.some((s) => s.Effect === 'Deny');
}

/**
 * Whether `service` can assume the role `roleArn`: true for a role in another account; for one in the engine's
 * account, when `find` knows it (by name) and its trust policy lets the service assume it. A malformed ARN is false.
 */
export function assumable(roleArn: string, service: string, find: (name: string) => Role | undefined): boolean {
  const m = ROLE_ARN.exec(roleArn);
  if (!m) return false;
  if (m[1] !== LOCAL_ACCOUNT_ID) return true;
  const role = find(m[2]);
  return !!role && role.arn === roleArn && trusts(role, service);
}
