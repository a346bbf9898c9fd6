/**
 * AWS IAM on the engine's endpoint (query protocol): roles, inline and attached policies, managed policies.
 *
 * LIMITATIONS: stored and listed, NOT enforced (see engine/iam/iam-service.ts): no call is allowed or denied by IAM.
 * Users, groups, instance profiles, policy versions, permission boundaries and tagging operations answer InvalidAction.
 */
import type { IamService } from '../../../iam/index.js';
import { iamModel, type AwsService } from '../protocols/index.js';
import { attachedPolicyOperations } from './attached-policies.js';
import { policyOperations } from './policies.js';
import { rolePolicyOperations } from './role-policies.js';
import { roleOperations } from './roles.js';

export function iamService(iam: IamService): AwsService {
  return {
    title: 'AWS IAM',
    model: iamModel,
    operations: {
      ...roleOperations(iam),
      ...rolePolicyOperations(iam),
      ...attachedPolicyOperations(iam),
      ...policyOperations(iam),
    },
    errors: {
      NotFound: 'NoSuchEntityException',
      AlreadyExists: 'EntityAlreadyExistsException',
      Conflict: 'DeleteConflictException',
      InvalidInput: { type: 'InvalidInputException', reasons: { malformedPolicy: 'MalformedPolicyDocumentException', limitExceeded: 'LimitExceededException', unmodifiable: 'InvalidInputException' } },
    },
  };
}
