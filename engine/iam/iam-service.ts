/**
 * IAM and STS for the local account: roles (trust policy, inline and attached policies), customer-managed policies,
 * AWS-managed policy ARNs, and STS sessions with temporary credentials.
 *
 * LIMITATIONS: IAM is stored and listed, NOT enforced: no request is ever allowed or denied by a role or policy, and
 * PassRole is not checked. Trust policies are not evaluated by AssumeRole (any caller may assume any role). One
 * version per customer-managed policy; no users, groups, instance profiles or permission boundaries.
 */
import { createHash } from 'node:crypto';
import type { Clock, Service } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { ManagedPolicies } from './managed-policies.js';
import { Roles } from './roles.js';
import { roleArn as roleArnOf } from './arns.js';
import { Sessions, type Session } from './sessions.js';
import { assumable } from './role-trust.js';

/** The role a function without one runs as, and how long its credentials last (Lambda's last up to 12 hours). */
const FUNCTION_ROLE = 'thingbench-function';
const FUNCTION_CREDENTIALS_S = 12 * 3600;

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

  /**
   * Temporary credentials of a function's execution role, as Lambda gives a function (`AWS_ACCESS_KEY_ID`, …): a
   * role that is not in IAM here (a folder function has none) still gets them, under its ARN or the engine's
   * `thingbench-function` role, so a function's AWS SDK calls pass the engine's SigV4 check off loopback.
   */
  functionCredentials(functionName: string, roleArn: string | undefined, durationSeconds = FUNCTION_CREDENTIALS_S): Session {
    const arn = roleArn ?? roleArnOf(FUNCTION_ROLE);
    const known = this.roles.get(arn.slice(arn.lastIndexOf('/') + 1));
    const role = known?.arn === arn ? known : { arn, id: `AROA${createHash('sha256').update(arn).digest('hex').slice(0, 17).toUpperCase()}` };
    return this.sessions.issue(role, functionName.slice(0, 64), durationSeconds);
  }

  /**
   * Whether `service` (`lambda.amazonaws.com`, `iot.amazonaws.com`, `firehose.amazonaws.com`) can assume the role:
   * a role in another account is accepted; one in the engine's account must exist and trust the service
   * (`role-trust.ts`). What `--require-roles` checks before a function, rule or delivery stream takes a role.
   */
  canAssume(roleArn: string, service: string): boolean {
    return assumable(roleArn, service, (name) => this.roles.get(name));
  }

  /** Deletes a customer-managed policy unless a role still has it attached. */
  deletePolicy(arn: string): Promise<void> {
    return this.policies.delete(arn, this.roles.attachmentCount(arn));
  }
}
