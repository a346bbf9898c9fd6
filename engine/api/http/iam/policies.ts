/** Managed policies: CreatePolicy, GetPolicy, DeletePolicy, ListPolicies. */
import type { IamService, ManagedPolicy, Tag } from '../../../iam/index.js';
import { serviceError } from '../protocols/index.js';
import { checkName, checkPath, page } from './input.js';

function policyOutput(iam: IamService, p: ManagedPolicy) {
  return {
    PolicyName: p.name, PolicyId: p.id, Arn: p.arn, Path: p.path, DefaultVersionId: 'v1', AttachmentCount: iam.roles.attachmentCount(p.arn),
    PermissionsBoundaryUsageCount: 0, IsAttachable: true, Description: p.description, CreateDate: new Date(p.created), UpdateDate: new Date(p.updated),
    Tags: p.tags.length ? p.tags : undefined,
  };
}

const SCOPES = ['All', 'AWS', 'Local'];

export const policyOperations = (iam: IamService) => ({
  CreatePolicy: async (input: { PolicyName: string; PolicyDocument: string; Path?: string; Description?: string; Tags?: Tag[] }) => {
    const p = await iam.policies.create({
      name: checkName('policyName', input.PolicyName, 128), document: input.PolicyDocument, path: checkPath('path', input.Path), description: input.Description, tags: input.Tags,
    });
    const { Description: _d, ...out } = policyOutput(iam, p); // CreatePolicy's answer leaves the description out, as IAM's does
    return { Policy: out };
  },
  GetPolicy: (input: { PolicyArn: string }) => ({ Policy: policyOutput(iam, iam.policies.must(input.PolicyArn)) }),
  DeletePolicy: async (input: { PolicyArn: string }) => {
    await iam.deletePolicy(input.PolicyArn);
    return {};
  },
  ListPolicies: (input: { Scope?: string; OnlyAttached?: boolean; PathPrefix?: string; Marker?: string; MaxItems?: number }) => {
    const scope = input.Scope ?? 'All';
    if (!SCOPES.includes(scope)) {
      throw serviceError('ValidationError', `1 validation error detected: Value '${scope}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]`);
    }
    let all = iam.policies.list(scope as 'All' | 'AWS' | 'Local', checkPath('pathPrefix', input.PathPrefix));
    if (input.OnlyAttached) all = all.filter((p) => iam.roles.attachmentCount(p.arn) > 0);
    const { items, ...rest } = page(all, input);
    return { Policies: items.map((p) => { const { Description: _d, Tags: _t, ...out } = policyOutput(iam, p); return out; }), ...rest };
  },
});
