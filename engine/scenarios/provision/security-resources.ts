/** Policies and certificates (with their policy attachments), each undone at cleanup. */
import {
  AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreatePolicyVersionCommand, DeleteCertificateCommand, DeletePolicyCommand,
  DeletePolicyVersionCommand, DetachPolicyCommand, GetPolicyCommand, ListPolicyVersionsCommand, UpdateCertificateCommand, type IoTClient,
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
  const policyDocument = typeof spec.document === 'string' ? spec.document : JSON.stringify(spec.document);
  if (await exists(env.target, 'GetPolicy', () => iot.send(new GetPolicyCommand({ policyName: name })))) {
    const ifExists = spec.ifExists ?? env.ifExists;
    if (ifExists === 'fail') throw alreadyExists(env, 'the policy', name);
    if (ifExists === 'reuse') {
      env.log(`policy ${name}: reused`);
      return;
    }
    env.log(`policy ${name}: ${await newDefaultVersion(env, iot, name, policyDocument)}`);
    return;
  }
  await call(env.target, 'CreatePolicy', () => iot.send(new CreatePolicyCommand({ policyName: name, policyDocument, ...(env.tags ? { tags: tagList(env.tags) } : {}) })));
  env.log(`policy ${name}: created`);
  pushUndo(env, `delete policy ${name}`, 'DeletePolicy', () => iot.send(new DeletePolicyCommand({ policyName: name })));
}

/** The most versions AWS IoT keeps of a policy (CreatePolicyVersion refuses a sixth). */
const MAX_POLICY_VERSIONS = 5;

/**
 * `ifExists: update` for a policy: its document as a new default version (AWS IoT's way to change a policy; the
 * attachments stay), unless the default version already says the same. At AWS's limit of five versions the oldest
 * version that is not the default is deleted first. Returns what was done, for the step's output.
 */
async function newDefaultVersion(env: ProvisionEnv, iot: IoTClient, policyName: string, policyDocument: string): Promise<string> {
  const current = await call(env.target, 'GetPolicy', () => iot.send(new GetPolicyCommand({ policyName })));
  if (sameJson(current.policyDocument, policyDocument)) return 'unchanged (its default version is this document)';
  const versions = (await call(env.target, 'ListPolicyVersions', () => iot.send(new ListPolicyVersionsCommand({ policyName })))).policyVersions ?? [];
  let pruned = '';
  if (versions.length >= MAX_POLICY_VERSIONS) {
    const oldest = versions.filter((v) => !v.isDefaultVersion).sort((a, b) => Number(a.versionId) - Number(b.versionId))[0];
    if (oldest?.versionId) {
      await call(env.target, 'DeletePolicyVersion', () => iot.send(new DeletePolicyVersionCommand({ policyName, policyVersionId: oldest.versionId })));
      pruned = `, version ${oldest.versionId} deleted: AWS IoT keeps five`;
    }
  }
  const made = await call(env.target, 'CreatePolicyVersion', () => iot.send(new CreatePolicyVersionCommand({ policyName, policyDocument, setAsDefault: true })));
  return `updated (new default version ${made.policyVersionId}${pruned})`;
}

/** Whether two JSON texts mean the same (key order and spacing aside); text that is not JSON is compared as text. */
function sameJson(a: string | undefined, b: string): boolean {
  const norm = (t: string): string => {
    try {
      return JSON.stringify(sortKeys(JSON.parse(t)));
    } catch {
      return t;
    }
  };
  return a !== undefined && norm(a) === norm(b);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
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
