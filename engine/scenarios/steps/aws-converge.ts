/**
 * The `aws` step in a converging run (a lab's `solve` over a lab half done by hand): a Create call refused because the
 * resource exists already is not a failure. What is a definition is brought to the step's (a function's code and
 * configuration, its URL, its permission, a role's trust policy, a rule, a policy's new default version, a
 * subscription's attributes); what carries identity or data is reused as it is (SNS topics, queues, tables, streams,
 * buckets, log groups, delivery streams, things, active signing profiles). Either way the step gets a response shaped
 * like the Create call's, so its `vars` read the same, and its output says what was reused or updated.
 *
 * LIMITATIONS: only the Create (and Put) calls below converge; any other refusal fails the step as before.
 */

/** Calls another operation of the same service (input as the SDK takes it); the response without `$metadata`. */
export type ServiceCall = (operation: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>;

export interface Converged {
  response: Record<string, unknown>;
  /** `reused` or `updated (…)`: what the step's output says. */
  outcome: string;
}

interface Convergence {
  /** Whether the refusal (its exception name and message) means "it exists already". */
  exists(name: string, message: string): boolean;
  converge(call: ServiceCall, input: Record<string, unknown>): Promise<Converged>;
}

const named = (...names: string[]) => (name: string) => names.includes(name);
const pick = (input: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => input[k] !== undefined).map((k) => [k, input[k]]));
const reused = (response: Record<string, unknown> = {}): Converged => ({ response, outcome: 'reused' });

/** Lambda refuses a configuration change while the last update is still in progress: wait for it (at most ~30 s). */
async function functionSettled(call: ServiceCall, FunctionName: unknown): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const c = await call('GetFunctionConfiguration', { FunctionName });
    if (c.LastUpdateStatus !== 'InProgress' && c.State !== 'Pending') return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const FUNCTION_CONFIGURATION = ['Role', 'Handler', 'Runtime', 'Description', 'Timeout', 'MemorySize', 'Environment', 'Layers', 'DeadLetterConfig', 'TracingConfig', 'EphemeralStorage', 'LoggingConfig'] as const;

const CONVERGENCES: Record<string, Convergence> = {
  'sqs CreateQueue': {
    exists: named('QueueNameExists', 'QueueAlreadyExists'),
    converge: async (call, input) => reused({ QueueUrl: (await call('GetQueueUrl', { QueueName: input.QueueName })).QueueUrl }),
  },
  'sns CreateTopic': {
    // An identical CreateTopic answers the topic's ARN; other attributes or tags (a lab's tags on an attendee's own
    // topic) are refused. Asked again with its name alone (and FIFO-ness) it answers the ARN without changing it.
    exists: (name, message) => name === 'InvalidParameterException' && /already exists/i.test(message),
    converge: async (call, input) => {
      const fifo = (input.Attributes as Record<string, string> | undefined)?.FifoTopic;
      return reused({ TopicArn: (await call('CreateTopic', { Name: input.Name, ...(fifo ? { Attributes: { FifoTopic: fifo } } : {}) })).TopicArn });
    },
  },
  'sns Subscribe': {
    // AWS answers an identical Subscribe with the existing subscription; only different attributes are refused.
    exists: (name, message) => name === 'InvalidParameterException' && /already exists/i.test(message),
    converge: async (call, input) => {
      let token: unknown;
      do {
        const page = await call('ListSubscriptionsByTopic', { TopicArn: input.TopicArn, ...(token ? { NextToken: token } : {}) });
        const sub = (page.Subscriptions as Array<Record<string, string>> | undefined)?.find((s) => s.Protocol === input.Protocol && s.Endpoint === input.Endpoint);
        if (sub) {
          for (const [AttributeName, AttributeValue] of Object.entries((input.Attributes as Record<string, string> | undefined) ?? {})) {
            await call('SetSubscriptionAttributes', { SubscriptionArn: sub.SubscriptionArn, AttributeName, AttributeValue });
          }
          return { response: { SubscriptionArn: sub.SubscriptionArn }, outcome: 'updated (its attributes set)' };
        }
        token = page.NextToken;
      } while (token);
      throw new Error(`no subscription of ${String(input.Endpoint)} to ${String(input.TopicArn)} was found`);
    },
  },
  'dynamodb CreateTable': {
    exists: named('ResourceInUseException'),
    converge: async (call, input) => reused({ TableDescription: (await call('DescribeTable', { TableName: input.TableName })).Table }),
  },
  'kinesis CreateStream': { exists: named('ResourceInUseException'), converge: async () => reused() },
  'firehose CreateDeliveryStream': {
    exists: named('ResourceInUseException'),
    converge: async (call, input) => {
      const d = (await call('DescribeDeliveryStream', { DeliveryStreamName: input.DeliveryStreamName })).DeliveryStreamDescription as Record<string, unknown> | undefined;
      return reused({ DeliveryStreamARN: d?.DeliveryStreamARN });
    },
  },
  's3 CreateBucket': { exists: named('BucketAlreadyOwnedByYou'), converge: async (_call, input) => reused({ Location: `/${String(input.Bucket)}` }) },
  'logs CreateLogGroup': { exists: named('ResourceAlreadyExistsException'), converge: async () => reused() },
  'signer PutSigningProfile': {
    // An active profile of that name signs as well as a new one would; a canceled one can no longer sign.
    exists: (name, message) => name === 'ConflictException' && /already exists/i.test(message),
    converge: async (call, input) => {
      const p = await call('GetSigningProfile', { profileName: input.profileName });
      if (p.status !== 'Active') throw Object.assign(new Error(`the signing profile ${String(input.profileName)} is ${String(p.status)}: it signs nothing more`), { name: 'ConflictException' });
      return reused({ arn: p.arn, profileVersion: p.profileVersion, profileVersionArn: p.profileVersionArn });
    },
  },
  'lambda CreateFunction': {
    exists: named('ResourceConflictException'),
    converge: async (call, input) => {
      const FunctionName = input.FunctionName;
      const code = (input.Code as Record<string, unknown> | undefined) ?? {};
      await functionSettled(call, FunctionName);
      await call('UpdateFunctionCode', { FunctionName, ...pick(code, ['ZipFile', 'S3Bucket', 'S3Key', 'S3ObjectVersion', 'ImageUri']) });
      await functionSettled(call, FunctionName);
      const config = pick(input, FUNCTION_CONFIGURATION);
      const response = Object.keys(config).length ? await call('UpdateFunctionConfiguration', { FunctionName, ...config }) : await call('GetFunctionConfiguration', { FunctionName });
      await functionSettled(call, FunctionName);
      return { response, outcome: `updated (code${Object.keys(config).length ? ' and configuration' : ''} replaced)` };
    },
  },
  'lambda AddPermission': {
    exists: named('ResourceConflictException'),
    converge: async (call, input) => {
      await call('RemovePermission', pick(input, ['FunctionName', 'StatementId', 'Qualifier']));
      return { response: await call('AddPermission', input), outcome: `updated (statement ${String(input.StatementId)} replaced)` };
    },
  },
  'lambda CreateFunctionUrlConfig': {
    exists: named('ResourceConflictException'),
    converge: async (call, input) => ({ response: await call('UpdateFunctionUrlConfig', pick(input, ['FunctionName', 'Qualifier', 'AuthType', 'Cors', 'InvokeMode'])), outcome: 'updated' }),
  },
  'lambda CreateEventSourceMapping': {
    exists: named('ResourceConflictException'),
    converge: async (call, input) => {
      const list = await call('ListEventSourceMappings', pick(input, ['FunctionName', 'EventSourceArn']));
      const mapping = (list.EventSourceMappings as Array<Record<string, unknown>> | undefined)?.[0];
      if (!mapping) throw new Error(`no event source mapping of ${String(input.EventSourceArn)} to ${String(input.FunctionName)} was found`);
      const settings = pick(input, ['Enabled', 'BatchSize', 'MaximumBatchingWindowInSeconds', 'FilterCriteria', 'MaximumRetryAttempts', 'ParallelizationFactor', 'FunctionResponseTypes']);
      if (!Object.keys(settings).length) return reused(mapping);
      return { response: await call('UpdateEventSourceMapping', { UUID: mapping.UUID, ...settings }), outcome: 'updated (its settings)' };
    },
  },
  'iam CreateRole': {
    exists: named('EntityAlreadyExistsException', 'EntityAlreadyExists'),
    converge: async (call, input) => {
      if (input.AssumeRolePolicyDocument !== undefined) await call('UpdateAssumeRolePolicy', { RoleName: input.RoleName, PolicyDocument: input.AssumeRolePolicyDocument });
      return { response: { Role: (await call('GetRole', { RoleName: input.RoleName })).Role }, outcome: 'updated (its trust policy)' };
    },
  },
  'iot CreateTopicRule': {
    exists: named('ResourceAlreadyExistsException'),
    converge: async (call, input) => {
      await call('ReplaceTopicRule', pick(input, ['ruleName', 'topicRulePayload']));
      return { response: {}, outcome: 'updated (replaced with this definition)' };
    },
  },
  'iot CreatePolicy': {
    exists: named('ResourceAlreadyExistsException'),
    converge: async (call, input) => {
      const { policyName, policyDocument } = input;
      const versions = ((await call('ListPolicyVersions', { policyName })).policyVersions as Array<{ versionId: string; isDefaultVersion: boolean }> | undefined) ?? [];
      if (versions.length >= 5) {
        const oldest = versions.filter((v) => !v.isDefaultVersion).sort((a, b) => Number(a.versionId) - Number(b.versionId))[0];
        if (oldest) await call('DeletePolicyVersion', { policyName, policyVersionId: oldest.versionId });
      }
      const made = await call('CreatePolicyVersion', { policyName, policyDocument, setAsDefault: true });
      return { response: { policyName, policyArn: made.policyArn, policyDocument, policyVersionId: made.policyVersionId }, outcome: `updated (new default version ${String(made.policyVersionId)})` };
    },
  },
  'iot CreateThing': {
    exists: named('ResourceAlreadyExistsException'),
    converge: async (call, input) => {
      const t = await call('DescribeThing', { thingName: input.thingName });
      return reused({ thingName: t.thingName, thingArn: t.thingArn, thingId: t.thingId });
    },
  },
};

/** How `service operation` converges when refused with `error`; undefined when it does not (the step fails). */
export function convergence(service: string, operation: string, error: unknown): Convergence['converge'] | undefined {
  const c = CONVERGENCES[`${service} ${operation}`];
  const e = error as { name?: string; message?: string } | undefined;
  return c?.exists(e?.name ?? '', e?.message ?? '') ? c.converge : undefined;
}

/** The Create calls that converge, as `service Operation` (for the documentation and tests). */
export const CONVERGING_CALLS = Object.keys(CONVERGENCES);
