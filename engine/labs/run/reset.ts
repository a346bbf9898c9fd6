/**
 * What a lab made on a target, found by its names' prefix (`l01-alice-…`, rules `l01_alice_…`), and its removal
 * through the same AWS APIs on any target: things (their certificates detached, deactivated and deleted), CA
 * certificates whose subject CN is a lab name (with every certificate they issued), policies
 * (detached from every target, old versions first), topic rules, thing groups and types, queues, SNS topics, tables,
 * provisioning templates, jobs (force-deleted), job templates, AWS IoT file streams, signing profiles (canceled), Kinesis streams, Firehose delivery streams, buckets (emptied first), log groups, functions and IAM roles (their
 * inline policies deleted and managed ones detached first), and on an engine the delivery-class mappings of the lab's
 * names (`delivery-mappings.ts`). `lab start` uses the inventory to refuse (or
 * clean) what an earlier run left, so a check never passes on it.
 */
import {
  DeleteCertificateCommand, DeleteDynamicThingGroupCommand, DeletePolicyCommand, DeletePolicyVersionCommand, DeleteThingCommand, DeleteThingGroupCommand,
  DeleteTopicRuleCommand, DetachPolicyCommand, DetachThingPrincipalCommand, ListAttachedPoliciesCommand, ListPoliciesCommand,
  ListPolicyVersionsCommand, ListTargetsForPolicyCommand, ListThingGroupsCommand, ListThingPrincipalsCommand, ListThingsCommand,
  ListTopicRulesCommand, UpdateCertificateCommand, DeleteProvisioningTemplateCommand, ListProvisioningTemplatesCommand, DeleteJobCommand, ListJobsCommand, DeleteJobTemplateCommand, ListJobTemplatesCommand,
  DeleteStreamCommand as DeleteFileStreamCommand, ListStreamsCommand as ListFileStreamsCommand, DeleteCACertificateCommand, ListCertificatesByCACommand, UpdateCACertificateCommand,
} from '@aws-sdk/client-iot';
import { DeleteLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DeleteDeliveryStreamCommand, ListDeliveryStreamsCommand } from '@aws-sdk/client-firehose';
import { DeleteStreamCommand, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { DeleteFunctionCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DeleteBucketCommand, DeleteObjectsCommand, ListBucketsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DeleteTopicCommand, ListTopicsCommand } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import type { Target } from '../../scenarios/index.js';
import { AwsClients, casByCommonName } from '../checks/index.js';
import { defaultAttendee, type LabOptions } from '../format/env.js';
import { namePrefix, type NameKind } from '../format/names.js';
import { labDeliveryMappings, removeDeliveryMapping } from './delivery-mappings.js';
import { cancelSigningProfile, listSigningProfiles } from './signing-profiles.js';
import type { Lab } from '../format/types.js';

/** One resource of the lab on the target. */
export interface LabResource {
  kind: 'thing' | 'certificate' | 'caCertificate' | 'policy' | 'rule' | 'template' | 'job' | 'jobTemplate' | 'fileStream' | 'signingProfile' | 'thingGroup' | 'queue' | 'topic' | 'table' | 'stream' | 'delivery' | 'bucket' | 'logGroup' | 'function' | 'role' | 'deliveryMapping';
  name: string;
  /** What removing it needs: a queue's URL, a topic's or certificate's ARN. A CA's `name` is its certificate id. */
  ref?: string;
}

export interface ResetResult {
  removed: LabResource[];
  /** One sentence per resource that could not be removed. */
  errors: string[];
}

const kindsOf = (lab: Lab) => new Set<NameKind>(['thing', 'policy', 'rule', ...lab.names.map((n) => n.kind)]);

async function pages<T>(fetch: (token?: string) => Promise<{ items: T[]; next?: string }>, max = 50): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  for (let i = 0; i < max; i++) {
    const { items, next } = await fetch(token);
    out.push(...items);
    if (!next) break;
    token = next;
  }
  return out;
}

/** Everything on the target under the lab's names (for this attendee). */
export async function labInventory(lab: Lab, target: Target, opts: LabOptions = {}, clients = new AwsClients(target)): Promise<LabResource[]> {
  const attendee = opts.attendee ?? defaultAttendee();
  const pre = (k: NameKind) => namePrefix(k, lab.id, attendee);
  const kinds = kindsOf(lab);
  const out: LabResource[] = [];
  const c = clients;
  const iot = c.iot();
  const things = await pages(async (t) => {
    const r = await c.call('ListThings', () => iot.send(new ListThingsCommand({ maxResults: 250, ...(t ? { nextToken: t } : {}) })));
    return { items: (r.things ?? []).map((x) => x.thingName ?? ''), next: r.nextToken };
  });
  const certs = new Set<string>();
  for (const name of things.filter((n) => n.startsWith(pre('thing')))) {
    out.push({ kind: 'thing', name });
    const p = await c.find('ListThingPrincipals', () => iot.send(new ListThingPrincipalsCommand({ thingName: name })));
    for (const arn of p?.principals ?? []) if (arn.includes(':cert/')) certs.add(arn);
  }
  const policies = await pages(async (t) => {
    const r = await c.call('ListPolicies', () => iot.send(new ListPoliciesCommand({ pageSize: 250, ...(t ? { marker: t } : {}) })));
    return { items: (r.policies ?? []).map((x) => x.policyName ?? ''), next: r.nextMarker };
  });
  for (const name of policies.filter((n) => n.startsWith(pre('policy')))) {
    out.push({ kind: 'policy', name });
    const targets = await c.find('ListTargetsForPolicy', () => iot.send(new ListTargetsForPolicyCommand({ policyName: name, pageSize: 250 })));
    for (const arn of targets?.targets ?? []) if (arn.includes(':cert/')) certs.add(arn);
  }
  // A CA of the lab's own (its subject CN is a `ca` name), and every certificate it issued that was registered, even
  // one no thing has (a device's first connection registers it PENDING_ACTIVATION before anything is attached).
  const cas = kinds.has('ca') ? await casByCommonName(c, (cn) => cn.startsWith(pre('ca'))) : [];
  for (const ca of cas) {
    const issued = await pages(async (t) => {
      const r = await c.call('ListCertificatesByCA', () => iot.send(new ListCertificatesByCACommand({ caCertificateId: ca.certificateId, pageSize: 250, ...(t ? { marker: t } : {}) })));
      return { items: (r.certificates ?? []).map((x) => x.certificateArn ?? ''), next: r.nextMarker };
    });
    for (const arn of issued) if (arn) certs.add(arn);
  }
  for (const arn of certs) out.push({ kind: 'certificate', name: arn.slice(arn.lastIndexOf('/') + 1), ref: arn });
  for (const ca of cas) out.push({ kind: 'caCertificate', name: ca.certificateId ?? '', ref: ca.certificateArn });
  const rules = await pages(async (t) => {
    const r = await c.call('ListTopicRules', () => iot.send(new ListTopicRulesCommand({ maxResults: 250, ...(t ? { nextToken: t } : {}) })));
    return { items: (r.rules ?? []).map((x) => x.ruleName ?? ''), next: r.nextToken };
  });
  for (const name of rules.filter((n) => n.startsWith(pre('rule')))) out.push({ kind: 'rule', name });
  if (kinds.has('template')) {
    const names = await pages(async (t) => {
      const r = await c.call('ListProvisioningTemplates', () => iot.send(new ListProvisioningTemplatesCommand({ maxResults: 250, ...(t ? { nextToken: t } : {}) })));
      return { items: (r.templates ?? []).map((x) => x.templateName ?? ''), next: r.nextToken };
    });
    for (const name of names.filter((n) => n.startsWith(pre('template')))) out.push({ kind: 'template', name });
  }
  if (kinds.has('job')) {
    const ids = await pages(async (t) => {
      const r = await c.call('ListJobs', () => iot.send(new ListJobsCommand({ maxResults: 250, ...(t ? { nextToken: t } : {}) })));
      return { items: (r.jobs ?? []).filter((j) => j.status !== 'DELETION_IN_PROGRESS').map((j) => j.jobId ?? ''), next: r.nextToken };
    });
    for (const name of ids.filter((n) => n.startsWith(pre('job')))) out.push({ kind: 'job', name });
  }
  if (kinds.has('jobTemplate')) {
    const ids = await pages(async (t) => {
      const r = await c.call('ListJobTemplates', () => iot.send(new ListJobTemplatesCommand({ maxResults: 250, ...(t ? { nextToken: t } : {}) })));
      return { items: (r.jobTemplates ?? []).map((j) => j.jobTemplateId ?? ''), next: r.nextToken };
    });
    for (const name of ids.filter((n) => n.startsWith(pre('jobTemplate')))) out.push({ kind: 'jobTemplate', name });
  }
  if (kinds.has('signingProfile')) {
    for (const name of (await listSigningProfiles(target)).filter((n) => n.startsWith(pre('signingProfile')))) out.push({ kind: 'signingProfile', name });
  }
  if (kinds.has('fileStream')) {
    const ids = await pages(async (t) => {
      const r = await c.call('ListStreams', () => iot.send(new ListFileStreamsCommand({ maxResults: 250, ...(t ? { nextToken: t } : {}) })));
      return { items: (r.streams ?? []).map((x) => x.streamId ?? ''), next: r.nextToken };
    });
    for (const name of ids.filter((n) => n.startsWith(pre('fileStream')))) out.push({ kind: 'fileStream', name });
  }
  if (kinds.has('thingGroup')) {
    const r = await c.call('ListThingGroups', () => iot.send(new ListThingGroupsCommand({ namePrefixFilter: pre('thingGroup'), maxResults: 250 })));
    for (const g of r.thingGroups ?? []) out.push({ kind: 'thingGroup', name: g.groupName ?? '' });
  }
  if (kinds.has('queue')) {
    const r = await c.call('ListQueues', () => c.sqs().send(new ListQueuesCommand({ QueueNamePrefix: pre('queue') })));
    for (const url of r.QueueUrls ?? []) out.push({ kind: 'queue', name: url.slice(url.lastIndexOf('/') + 1), ref: url });
  }
  if (kinds.has('topic')) {
    const arns = await pages(async (t) => {
      const r = await c.call('ListTopics', () => c.sns().send(new ListTopicsCommand({ ...(t ? { NextToken: t } : {}) })));
      return { items: (r.Topics ?? []).map((x) => x.TopicArn ?? ''), next: r.NextToken };
    });
    for (const arn of arns) {
      const name = arn.slice(arn.lastIndexOf(':') + 1);
      if (name.startsWith(pre('topic'))) out.push({ kind: 'topic', name, ref: arn });
    }
  }
  if (kinds.has('table')) {
    const names = await pages(async (t) => {
      const r = await c.call('ListTables', () => c.dynamodb().send(new ListTablesCommand({ ...(t ? { ExclusiveStartTableName: t } : {}) })));
      return { items: r.TableNames ?? [], next: r.LastEvaluatedTableName };
    });
    for (const name of names.filter((n) => n.startsWith(pre('table')))) out.push({ kind: 'table', name });
  }
  if (kinds.has('stream')) {
    const r = await c.call('ListStreams', () => c.kinesis().send(new ListStreamsCommand({ Limit: 1000 })));
    for (const name of (r.StreamNames ?? []).filter((n) => n.startsWith(pre('stream')))) out.push({ kind: 'stream', name });
  }
  if (kinds.has('delivery')) {
    const names = await pages(async (t) => {
      const r = await c.call('ListDeliveryStreams', () => c.firehose().send(new ListDeliveryStreamsCommand({ Limit: 10000, ...(t ? { ExclusiveStartDeliveryStreamName: t } : {}) })));
      const items = r.DeliveryStreamNames ?? [];
      return { items, next: r.HasMoreDeliveryStreams ? items.at(-1) : undefined };
    });
    for (const name of names.filter((n) => n.startsWith(pre('delivery')))) out.push({ kind: 'delivery', name });
  }
  if (kinds.has('bucket')) {
    const r = await c.call('ListBuckets', () => c.s3().send(new ListBucketsCommand({})));
    for (const b of r.Buckets ?? []) if (b.Name?.startsWith(pre('bucket'))) out.push({ kind: 'bucket', name: b.Name });
  }
  if (kinds.has('logGroup') || kinds.has('function')) {
    for (const prefix of new Set([kinds.has('logGroup') ? pre('logGroup') : '', kinds.has('function') ? `/aws/lambda/${pre('function')}` : ''].filter(Boolean))) {
      const r = await c.call('DescribeLogGroups', () => c.logs().send(new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix })));
      for (const g of r.logGroups ?? []) out.push({ kind: 'logGroup', name: g.logGroupName ?? '' });
    }
  }
  if (kinds.has('function')) {
    const names = await pages(async (t) => {
      const r = await c.call('ListFunctions', () => c.lambda().send(new ListFunctionsCommand({ ...(t ? { Marker: t } : {}) })));
      return { items: (r.Functions ?? []).map((f) => f.FunctionName ?? ''), next: r.NextMarker };
    });
    for (const name of names.filter((n) => n.startsWith(pre('function')))) out.push({ kind: 'function', name });
  }
  if (kinds.has('role')) {
    const names = await pages(async (t) => {
      const r = await c.call('ListRoles', () => c.iam().send(new ListRolesCommand({ MaxItems: 1000, ...(t ? { Marker: t } : {}) })));
      return { items: (r.Roles ?? []).map((x) => x.RoleName ?? ''), next: r.IsTruncated ? r.Marker : undefined };
    });
    for (const name of names.filter((n) => n.startsWith(pre('role')))) out.push({ kind: 'role', name });
  }
  out.push(...await labDeliveryMappings(lab, target, { attendee }));
  return out;
}

/**
 * AWS applies a detach eventually: a DeleteThing, DeleteCertificate or DeletePolicy right after one may be refused as
 * still attached (DeleteConflictException, or InvalidRequestException naming the attachment). Such a refusal is tried
 * again, after 1, 2 and 4 seconds; any other failure at once is reported.
 */
async function untilDetached<T>(fn: () => Promise<T>, delays = [1000, 2000, 4000]): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const exception = (e as { details?: { exception?: string } }).details?.exception;
      const attached = exception === 'DeleteConflictException' || (exception === 'InvalidRequestException' && /attach|principal/i.test((e as Error).message));
      if (!attached || i >= delays.length) throw e;
      await new Promise((ok) => setTimeout(ok, delays[i]));
    }
  }
}

/** Removes everything the lab made on the target (for this attendee); what cannot be removed is reported, not thrown. */
export async function resetLab(lab: Lab, target: Target, opts: LabOptions = {}): Promise<ResetResult> {
  const clients = new AwsClients(target);
  const removed: LabResource[] = [];
  const errors: string[] = [];
  try {
    const all = await labInventory(lab, target, opts, clients);
    const iot = clients.iot();
    const step = async (r: LabResource, what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
        return true;
      } catch (e) {
        errors.push(`${r.kind} ${r.name}: ${what}: ${(e as Error).message}`);
        return false;
      }
    };
    const of = (k: LabResource['kind']) => all.filter((r) => r.kind === k);
    // Order: rules (they point at everything), things (detached from their certificates), certificates, the CAs that
    // issued them, policies, the rest.
    // Delivery mappings first: what the lab's devices publish meanwhile is no longer kept for its consumers.
    for (const r of of('deliveryMapping')) if (await step(r, 'delivery.delete', () => removeDeliveryMapping(target, r.ref!))) removed.push(r);
    for (const r of of('rule')) if (await step(r, 'DeleteTopicRule', () => clients.call('DeleteTopicRule', () => iot.send(new DeleteTopicRuleCommand({ ruleName: r.name }))))) removed.push(r);
    // Jobs (forced: their executions in progress are deleted too), so no device takes one while its thing goes.
    for (const r of of('job')) {
      if (await step(r, 'DeleteJob', () => clients.call('DeleteJob', () => iot.send(new DeleteJobCommand({ jobId: r.name, force: true }))))) removed.push(r);
    }
    for (const r of of('jobTemplate')) {
      if (await step(r, 'DeleteJobTemplate', () => clients.call('DeleteJobTemplate', () => iot.send(new DeleteJobTemplateCommand({ jobTemplateId: r.name }))))) removed.push(r);
    }
    for (const r of of('signingProfile')) if (await step(r, 'CancelSigningProfile', () => cancelSigningProfile(target, r.name))) removed.push(r);
    for (const r of of('fileStream')) {
      if (await step(r, 'DeleteStream', () => clients.call('DeleteStream', () => iot.send(new DeleteFileStreamCommand({ streamId: r.name }))))) removed.push(r);
    }
    // Provisioning templates next: a device provisioning meanwhile would make a thing after the things are gone.
    for (const r of of('template')) {
      if (await step(r, 'DeleteProvisioningTemplate', () => clients.call('DeleteProvisioningTemplate', () => iot.send(new DeleteProvisioningTemplateCommand({ templateName: r.name }))))) removed.push(r);
    }
    const certs = of('certificate');
    for (const r of of('thing')) {
      for (const cert of certs) {
        await clients.find('DetachThingPrincipal', () => iot.send(new DetachThingPrincipalCommand({ thingName: r.name, principal: cert.ref })));
      }
      if (await step(r, 'DeleteThing', () => untilDetached(() => clients.call('DeleteThing', () => iot.send(new DeleteThingCommand({ thingName: r.name })))))) removed.push(r);
    }
    for (const r of certs) {
      const ok = await step(r, 'DeleteCertificate', async () => {
        const attached = await clients.call('ListAttachedPolicies', () => iot.send(new ListAttachedPoliciesCommand({ target: r.ref, pageSize: 250 })));
        for (const p of attached.policies ?? []) await clients.call('DetachPolicy', () => iot.send(new DetachPolicyCommand({ policyName: p.policyName, target: r.ref })));
        await clients.call('UpdateCertificate', () => iot.send(new UpdateCertificateCommand({ certificateId: r.name, newStatus: 'INACTIVE' })));
        await untilDetached(() => clients.call('DeleteCertificate', () => iot.send(new DeleteCertificateCommand({ certificateId: r.name, forceDelete: true }))));
      });
      if (ok) removed.push(r);
    }
    for (const r of of('caCertificate')) {
      const ok = await step(r, 'DeleteCACertificate', async () => {
        await clients.call('UpdateCACertificate', () => iot.send(new UpdateCACertificateCommand({ certificateId: r.name, newStatus: 'INACTIVE' })));
        await clients.call('DeleteCACertificate', () => iot.send(new DeleteCACertificateCommand({ certificateId: r.name })));
      });
      if (ok) removed.push(r);
    }
    for (const r of of('policy')) {
      const ok = await step(r, 'DeletePolicy', async () => {
        const targets = await clients.call('ListTargetsForPolicy', () => iot.send(new ListTargetsForPolicyCommand({ policyName: r.name, pageSize: 250 })));
        for (const t of targets.targets ?? []) await clients.call('DetachPolicy', () => iot.send(new DetachPolicyCommand({ policyName: r.name, target: t })));
        const versions = await clients.call('ListPolicyVersions', () => iot.send(new ListPolicyVersionsCommand({ policyName: r.name })));
        for (const v of versions.policyVersions ?? []) {
          if (!v.isDefaultVersion) await clients.call('DeletePolicyVersion', () => iot.send(new DeletePolicyVersionCommand({ policyName: r.name, policyVersionId: v.versionId })));
        }
        await untilDetached(() => clients.call('DeletePolicy', () => iot.send(new DeletePolicyCommand({ policyName: r.name }))));
      });
      if (ok) removed.push(r);
    }
    // ListThingGroups lists dynamic groups too; AWS deletes those only through DeleteDynamicThingGroup.
    const deleteGroup = (name: string) => clients.call('DeleteThingGroup', () => iot.send(new DeleteThingGroupCommand({ thingGroupName: name })))
      .catch((e: Error) => {
        if (!/does not support dynamic thing groups/.test(e.message)) throw e;
        return clients.call('DeleteDynamicThingGroup', () => iot.send(new DeleteDynamicThingGroupCommand({ thingGroupName: name })));
      });
    for (const r of of('thingGroup')) if (await step(r, 'DeleteThingGroup', () => deleteGroup(r.name))) removed.push(r);
    for (const r of of('queue')) if (await step(r, 'DeleteQueue', () => clients.call('DeleteQueue', () => clients.sqs().send(new DeleteQueueCommand({ QueueUrl: r.ref }))))) removed.push(r);
    for (const r of of('topic')) if (await step(r, 'DeleteTopic', () => clients.call('DeleteTopic', () => clients.sns().send(new DeleteTopicCommand({ TopicArn: r.ref }))))) removed.push(r);
    for (const r of of('table')) if (await step(r, 'DeleteTable', () => clients.call('DeleteTable', () => clients.dynamodb().send(new DeleteTableCommand({ TableName: r.name }))))) removed.push(r);
    for (const r of of('stream')) if (await step(r, 'DeleteStream', () => clients.call('DeleteStream', () => clients.kinesis().send(new DeleteStreamCommand({ StreamName: r.name, EnforceConsumerDeletion: true }))))) removed.push(r);
    for (const r of of('delivery')) {
      if (await step(r, 'DeleteDeliveryStream', () => clients.call('DeleteDeliveryStream', () => clients.firehose().send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: r.name }))))) removed.push(r);
    }
    for (const r of of('function')) if (await step(r, 'DeleteFunction', () => clients.call('DeleteFunction', () => clients.lambda().send(new DeleteFunctionCommand({ FunctionName: r.name }))))) removed.push(r);
    // Roles last (the rules and functions above were their users): IAM deletes a role only once it has no inline
    // policy and no attached managed policy left.
    for (const r of of('role')) {
      const ok = await step(r, 'DeleteRole', async () => {
        const iam = clients.iam();
        const inline = await clients.call('ListRolePolicies', () => iam.send(new ListRolePoliciesCommand({ RoleName: r.name, MaxItems: 1000 })));
        for (const p of inline.PolicyNames ?? []) await clients.call('DeleteRolePolicy', () => iam.send(new DeleteRolePolicyCommand({ RoleName: r.name, PolicyName: p })));
        const attached = await clients.call('ListAttachedRolePolicies', () => iam.send(new ListAttachedRolePoliciesCommand({ RoleName: r.name, MaxItems: 1000 })));
        for (const p of attached.AttachedPolicies ?? []) await clients.call('DetachRolePolicy', () => iam.send(new DetachRolePolicyCommand({ RoleName: r.name, PolicyArn: p.PolicyArn })));
        await clients.call('DeleteRole', () => iam.send(new DeleteRoleCommand({ RoleName: r.name })));
      });
      if (ok) removed.push(r);
    }
    for (const r of of('logGroup')) if (await step(r, 'DeleteLogGroup', () => clients.call('DeleteLogGroup', () => clients.logs().send(new DeleteLogGroupCommand({ logGroupName: r.name }))))) removed.push(r);
    for (const r of of('bucket')) {
      const ok = await step(r, 'DeleteBucket', async () => {
        const s3 = clients.s3();
        for (let i = 0; i < 100; i++) {
          const list = await clients.call('ListObjectsV2', () => s3.send(new ListObjectsV2Command({ Bucket: r.name, MaxKeys: 1000 })));
          if (!list.Contents?.length) break;
          await clients.call('DeleteObjects', () => s3.send(new DeleteObjectsCommand({ Bucket: r.name, Delete: { Objects: list.Contents!.map((o) => ({ Key: o.Key })) } })));
        }
        await clients.call('DeleteBucket', () => s3.send(new DeleteBucketCommand({ Bucket: r.name })));
      });
      if (ok) removed.push(r);
    }
  } finally {
    clients.destroy();
  }
  return { removed, errors };
}
