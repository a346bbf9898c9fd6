import { LOCAL_ACCOUNT_ID } from '../../../core/index.js';
import type { IamService } from '../../../iam/index.js';
import type { OperationContext } from '../protocols/index.js';

/**
 * GetCallerIdentity: for temporary credentials the assumed role (`AROA…:session`, `arn:aws:sts::…:assumed-role/…`);
 * for any other key the account's root user (what LocalStack and a fresh AWS account answer).
 */
export const getCallerIdentity = (iam: IamService) => (_input: unknown, ctx: OperationContext) => {
  const session = ctx.accessKeyId ? iam.sessions.get(ctx.accessKeyId) : undefined;
  if (session) return { UserId: session.assumedRoleId, Account: LOCAL_ACCOUNT_ID, Arn: session.assumedRoleArn };
  return { UserId: LOCAL_ACCOUNT_ID, Account: LOCAL_ACCOUNT_ID, Arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:root` };
};
