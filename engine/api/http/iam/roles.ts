/** CreateRole, GetRole, ListRoles, DeleteRole. */
import type { IamService, Role, Tag } from '../../../iam/index.js';
import { checkName, checkPath, checkRange, page, urlEncodedDocument } from './input.js';

export function roleOutput(r: Role, detail = false) {
  return {
    Path: r.path, RoleName: r.name, RoleId: r.id, Arn: r.arn, CreateDate: new Date(r.created),
    AssumeRolePolicyDocument: urlEncodedDocument(r.trustPolicy), Description: r.description, MaxSessionDuration: r.maxSessionDuration,
    ...(detail ? { Tags: r.tags.length ? r.tags : undefined, RoleLastUsed: {} } : {}),
  };
}

export const roleOperations = (iam: IamService) => ({
  CreateRole: async (input: { RoleName: string; AssumeRolePolicyDocument: string; Path?: string; Description?: string; MaxSessionDuration?: number; Tags?: Tag[] }) => {
    const role = await iam.roles.create({
      name: checkName('roleName', input.RoleName, 64), trustPolicy: input.AssumeRolePolicyDocument, path: checkPath('path', input.Path),
      description: input.Description, maxSessionDuration: checkRange('maxSessionDuration', input.MaxSessionDuration, 3600, 43200), tags: input.Tags,
    });
    return { Role: { ...roleOutput(role), ...(role.tags.length ? { Tags: role.tags } : {}) } };
  },
  GetRole: (input: { RoleName: string }) => ({ Role: roleOutput(iam.roles.must(checkName('roleName', input.RoleName, 64)), true) }),
  ListRoles: (input: { PathPrefix?: string; Marker?: string; MaxItems?: number }) => {
    const { items, ...rest } = page(iam.roles.list(input.PathPrefix), input);
    return { Roles: items.map((r) => roleOutput(r)), ...rest };
  },
  DeleteRole: async (input: { RoleName: string }) => {
    await iam.roles.delete(checkName('roleName', input.RoleName, 64));
    return {};
  },
});
