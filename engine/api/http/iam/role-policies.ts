/** Inline role policies: PutRolePolicy, GetRolePolicy, DeleteRolePolicy, ListRolePolicies. */
import type { IamService } from '../../../iam/index.js';
import { checkName, page, urlEncodedDocument } from './input.js';

export const rolePolicyOperations = (iam: IamService) => ({
  PutRolePolicy: async (input: { RoleName: string; PolicyName: string; PolicyDocument: string }) => {
    await iam.roles.putInline(checkName('roleName', input.RoleName, 64), checkName('policyName', input.PolicyName, 128), input.PolicyDocument);
    return {};
  },
  GetRolePolicy: (input: { RoleName: string; PolicyName: string }) => {
    const role = iam.roles.must(checkName('roleName', input.RoleName, 64));
    const doc = iam.roles.inline(role.name, checkName('policyName', input.PolicyName, 128));
    return { RoleName: role.name, PolicyName: input.PolicyName, PolicyDocument: urlEncodedDocument(doc) };
  },
  DeleteRolePolicy: async (input: { RoleName: string; PolicyName: string }) => {
    await iam.roles.deleteInline(checkName('roleName', input.RoleName, 64), checkName('policyName', input.PolicyName, 128));
    return {};
  },
  ListRolePolicies: (input: { RoleName: string; Marker?: string; MaxItems?: number }) => {
    const role = iam.roles.must(checkName('roleName', input.RoleName, 64));
    const { items, ...rest } = page(iam.roles.inlineNames(role.name), input);
    return { PolicyNames: items, ...rest };
  },
});
