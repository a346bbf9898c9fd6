import { LOCAL_ACCOUNT_ID } from '../../../core/index.js';
import { LOCAL_ROLE, type IamService } from '../../../iam/index.js';
import { serviceError } from '../protocols/index.js';

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * AssumeRole: temporary credentials for a role of the local account, valid for `DurationSeconds` (900 s up to the
 * role's MaxSessionDuration, default 3600 s). The trust policy is not evaluated (IAM is not enforced); a role that
 * does not exist is refused as AWS refuses it, with AccessDenied.
 */
export const assumeRole = (iam: IamService) => async (input: { RoleArn: string; RoleSessionName: string; DurationSeconds?: number }) => {
  if (!SESSION_NAME.test(input.RoleSessionName)) {
    const problem = input.RoleSessionName.length < 2 || input.RoleSessionName.length > 64
      ? `Member must have length ${input.RoleSessionName.length < 2 ? 'greater than or equal to 2' : 'less than or equal to 64'}`
      : 'Member must satisfy regular expression pattern: [\\w+=,.@-]*';
    throw serviceError('ValidationError', `1 validation error detected: Value '${input.RoleSessionName}' at 'roleSessionName' failed to satisfy constraint: ${problem}`);
  }
  const m = LOCAL_ROLE.exec(input.RoleArn);
  const role = m ? iam.roles.get(m[2]) : undefined;
  if (!role || role.arn !== input.RoleArn) {
    throw serviceError('AccessDenied', `User: arn:aws:iam::${LOCAL_ACCOUNT_ID}:root is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`, { status: 403 });
  }
  const duration = input.DurationSeconds ?? 3600;
  if (duration < 900) {
    throw serviceError('ValidationError', `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
  }
  if (duration > role.maxSessionDuration) throw serviceError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  const s = await iam.sessions.assume(role, input.RoleSessionName, duration);
  return {
    Credentials: { AccessKeyId: s.accessKeyId, SecretAccessKey: s.secretAccessKey, SessionToken: s.sessionToken, Expiration: new Date(s.expiration) },
    AssumedRoleUser: { AssumedRoleId: s.assumedRoleId, Arn: s.assumedRoleArn },
  };
};
