/** Policies and certificates (with their policy attachments), each undone at cleanup. */
import {
  AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, DeleteCertificateCommand, DeletePolicyCommand,
  DetachPolicyCommand, GetPolicyCommand, UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { EngineError } from '../../core/index.js';
import { tagList } from './creation-tags.js';
import { call, exists } from './iot-control.js';
import { alreadyExists, deleting, type ProvisionEnv } from './provision-env.js';
import type { CertificateSpec, PolicySpec } from './provision-spec.js';
import { pushUndo } from './registry-resources.js';

export async function provisionPolicy(env: ProvisionEnv, spec: PolicySpec): Promise<void> {
  const iot = env.iot();
  const name = spec.name;
  if (await exists(env.target, 'GetPolicy', () => iot.send(new GetPolicyCommand({ policyName: name })))) {
    if ((spec.ifExists ?? env.ifExists) === 'fail') throw alreadyExists(env, 'the policy', name);
    env.log(`policy ${name}: reused`);
    return;
  }
  const policyDocument = typeof spec.document === 'string' ? spec.document : JSON.stringify(spec.document);
  await call(env.target, 'CreatePolicy', () => iot.send(new CreatePolicyCommand({ policyName: name, policyDocument, ...(env.tags ? { tags: tagList(env.tags) } : {}) })));
  env.log(`policy ${name}: created`);
  pushUndo(env, `delete policy ${name}`, 'DeletePolicy', () => iot.send(new DeletePolicyCommand({ policyName: name })));
}

/** What a new certificate gives the run's variables. */
export interface CertificateOutput {
  certificateArn: string;
  certificateId: string;
  certificatePem: string;
  privateKey: string;
  publicKey: string;
}

/** A new key pair and certificate, its policies attached; cleanup detaches, deactivates, then deletes it. */
export async function provisionCertificate(env: ProvisionEnv, spec: CertificateSpec): Promise<CertificateOutput> {
  const iot = env.iot();
  const made = await call(env.target, 'CreateKeysAndCertificate', () => iot.send(new CreateKeysAndCertificateCommand({ setAsActive: spec.active ?? true })));
  const out: CertificateOutput = {
    certificateArn: made.certificateArn ?? '',
    certificateId: made.certificateId ?? '',
    certificatePem: made.certificatePem ?? '',
    privateKey: made.keyPair?.PrivateKey ?? '',
    publicKey: made.keyPair?.PublicKey ?? '',
  };
  if (!out.certificateArn || !out.certificateId || !out.certificatePem || !out.privateKey) {
    throw new EngineError('Unavailable', `the target '${env.target.name}' answered CreateKeysAndCertificate without a certificate and private key`);
  }
  const certificateId = out.certificateId;
  env.log(`certificate ${spec.name}: created (${certificateId.slice(0, 10)}…)`);
  // AWS IoT deletes only an inactive certificate with no policies and no things attached.
  env.cleanup.push(`delete certificate ${spec.name}`, async () => {
    await undoCall(env, 'UpdateCertificate', () => iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' })));
    await undoCall(env, 'DeleteCertificate', () => iot.send(new DeleteCertificateCommand({ certificateId })));
  });
  for (const policyName of spec.policies ?? []) {
    await call(env.target, 'AttachPolicy', () => iot.send(new AttachPolicyCommand({ policyName, target: out.certificateArn })));
    pushUndo(env, `detach policy ${policyName} from certificate ${spec.name}`, 'DetachPolicy',
      () => iot.send(new DetachPolicyCommand({ policyName, target: out.certificateArn })));
  }
  return out;
}

async function undoCall(env: ProvisionEnv, operation: string, send: () => Promise<unknown>): Promise<void> {
  await call(env.target, operation, () => deleting(env, send));
}
