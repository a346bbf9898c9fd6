export { IamService } from './iam-service.js';
export type { Role, Tag } from './roles.js';
export type { ManagedPolicy } from './managed-policies.js';
export type { Session } from './sessions.js';
export { roleArn, policyArn, AWS_MANAGED, LOCAL_POLICY, LOCAL_ROLE } from './arns.js';
