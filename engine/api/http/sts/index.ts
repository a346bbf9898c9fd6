/**
 * AWS STS on the engine's endpoint (query protocol): GetCallerIdentity for the one local account.
 *
 * LIMITATIONS: one account (000000000000); callers are whoever signed the request, never authenticated beyond SigV4.
 */
import { stsModel, type AwsService } from '../protocols/index.js';
import { getCallerIdentity } from './get-caller-identity.js';

export function stsService(): AwsService {
  return {
    title: 'AWS STS',
    model: stsModel,
    operations: {
      GetCallerIdentity: getCallerIdentity,
    },
  };
}
