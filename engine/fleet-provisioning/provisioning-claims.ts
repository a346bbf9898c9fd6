import { EngineError, iotArn } from '../core/index.js';

/** AWS: a claim from CreateProvisioningClaim is valid for five minutes. */
export const CLAIM_LIFETIME_MS = 5 * 60 * 1000;

/**
 * The policy a claim certificate from CreateProvisioningClaim has without any attachment: the guide's claim policy
 * for that template (connect; publish, receive and subscribe on the certificate topics and the template's provision
 * topics only) [DG:provision-wo-cert].
 */
export function claimPolicyDocument(templateName: string): string {
  const topics = ['$aws/certificates/create/*', '$aws/certificates/create-from-csr/*', `$aws/provisioning-templates/${templateName}/provision/*`];
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: topics.map((t) => iotArn(`topic/${t}`)) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: topics.map((t) => iotArn(`topicfilter/${t}`)) },
    ],
  });
}

export function claimTemplateRefused(name: string, type: string | undefined): EngineError {
  return type === undefined
    ? new EngineError('NotFound', `The provisioning template ${name} does not exist`)
    : new EngineError('InvalidInput', `The provisioning template ${name} is a ${type} template: provisioning claims are for FLEET_PROVISIONING templates`);
}
