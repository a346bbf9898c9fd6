/**
 * IAM and STS for the local account: roles (trust policy, inline and attached policies), customer-managed policies,
 * AWS-managed policy ARNs, and STS sessions with temporary credentials.
 *
 * LIMITATIONS: IAM is stored and listed, NOT enforced: no request is ever allowed or denied by a role or policy, and
 * PassRole is not checked. Trust policies are not evaluated by AssumeRole (any caller may assume any role). One
 * version per customer-managed policy; no users, groups, instance profiles or permission boundaries.
 */
import type { Clock, Service } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { ManagedPolicies } from './managed-policies.js';
import { Roles } from './roles.js';
import { Sessions } from './sessions.js';

export class IamService implements Service {
  readonly name = 'iam';
  readonly roles: Roles;
  readonly policies: ManagedPolicies;
  readonly sessions: Sessions;

  constructor(store: Store, clock: Clock) {
    this.roles = new Roles(store, clock);
    this.policies = new ManagedPolicies(store, clock);
    this.sessions = new Sessions(store, clock);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** Deletes a customer-managed policy unless a role still has it attached. */
  deletePolicy(arn: string): Promise<void> {
    return this.policies.delete(arn, this.roles.attachmentCount(arn));
  }
}
