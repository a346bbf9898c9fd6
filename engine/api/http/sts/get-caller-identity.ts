import { LOCAL_ACCOUNT_ID } from '../../../core/index.js';
import type { OperationContext } from '../protocols/index.js';

/** GetCallerIdentity: the account's root user for long-term keys (what LocalStack and a fresh AWS account answer). */
export function getCallerIdentity(_input: unknown, _ctx: OperationContext) {
  return { UserId: LOCAL_ACCOUNT_ID, Account: LOCAL_ACCOUNT_ID, Arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:root` };
}
