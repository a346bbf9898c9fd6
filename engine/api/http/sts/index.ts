/**
 * AWS STS on the engine's endpoint (query protocol): GetCallerIdentity and AssumeRole for the one local account.
 * The temporary credentials AssumeRole hands out sign requests to any service here (checked off loopback).
 *
 * LIMITATIONS: one account (000000000000); trust policies are not evaluated; no session policies, tags, MFA or
 * external ids (accepted and ignored); other STS operations answer InvalidAction.
 */
import type { IamService } from '../../../iam/index.js';
import { stsModel, type AwsService } from '../protocols/index.js';
import { assumeRole } from './assume-role.js';
import { getCallerIdentity } from './get-caller-identity.js';

export function stsService(iam: IamService): AwsService {
  return {
    title: 'AWS STS',
    model: stsModel,
    operations: {
      GetCallerIdentity: getCallerIdentity(iam),
      AssumeRole: assumeRole(iam),
    },
  };
}
