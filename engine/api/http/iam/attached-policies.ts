/** Managed policies on roles: AttachRolePolicy, DetachRolePolicy, ListAttachedRolePolicies. */
import { AWS_MANAGED, LOCAL_POLICY, type IamService } from '../../../iam/index.js';
import { serviceError } from '../protocols/index.js';
import { checkName, checkPath, page } from './input.js';

/** An ARN IAM would accept as a policy ARN, or IAM's InvalidInput. */
function checkPolicyArn(arn: string): string {
  if (!AWS_MANAGED.test(arn) && !LOCAL_POLICY.test(arn)) {
    if (/^arn:aws:iam::\d{12}:policy\//.test(arn)) throw serviceError('NoSuchEntityException', `Policy ${arn} does not exist or is not attachable.`);
    throw serviceError('InvalidInputException', `ARN ${arn} is not valid.`);
  }
  return arn;
}

export const attachedPolicyOperations = (iam: IamService) => ({
  AttachRolePolicy: async (input: { RoleName: string; PolicyArn: string }) => {
    const role = iam.roles.must(checkName('roleName', input.RoleName, 64));
    const arn = checkPolicyArn(input.PolicyArn);
    if (!iam.policies.get(arn)) throw serviceError('NoSuchEntityException', `Policy ${arn} does not exist or is not attachable.`);
    await iam.roles.attach(role.name, arn);
    return {};
  },
  DetachRolePolicy: async (input: { RoleName: string; PolicyArn: string }) => {
    await iam.roles.detach(checkName('roleName', input.RoleName, 64), checkPolicyArn(input.PolicyArn));
    return {};
  },
  ListAttachedRolePolicies: (input: { RoleName: string; PathPrefix?: string; Marker?: string; MaxItems?: number }) => {
    const role = iam.roles.must(checkName('roleName', input.RoleName, 64));
    const prefix = checkPath('pathPrefix', input.PathPrefix) ?? '/';
    const attached = iam.roles.attached(role.name).map((arn) => iam.policies.get(arn)).filter((p) => p !== undefined && p.path.startsWith(prefix));
    const { items, ...rest } = page(attached, input);
    return { AttachedPolicies: items.map((p) => ({ PolicyName: p!.name, PolicyArn: p!.arn })), ...rest };
  },
});
