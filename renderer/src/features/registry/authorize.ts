import type { AuthorizationAction } from '../../../../engine/contract/index.js';

/** What each action acts on, as the resource ARN names it (`client/…`, `topic/…`, `topicfilter/…`). */
export const RESOURCE_KINDS: Record<AuthorizationAction, { segment: string; label: string; placeholder: string }> = {
  'iot:Connect': { segment: 'client', label: 'Client id', placeholder: 'lamp' },
  'iot:Publish': { segment: 'topic', label: 'Topic', placeholder: 'sensors/lamp/data' },
  'iot:Receive': { segment: 'topic', label: 'Topic', placeholder: 'sensors/lamp/data' },
  'iot:Subscribe': { segment: 'topicfilter', label: 'Topic filter', placeholder: 'sensors/+/data' },
};

const DEFAULT_PREFIX = 'arn:aws:iot:us-east-1:000000000000:';

/** `arn:aws:iot:<region>:<account>:` as the engine's own ARNs have it. */
export function arnPrefix(arns: readonly string[]): string {
  for (const arn of arns) {
    const m = /^(arn:aws[a-z-]*:iot:[^:]*:[^:]*:)/.exec(arn);
    if (m) return m[1];
  }
  return DEFAULT_PREFIX;
}

/** The resource ARN of an action on a topic, topic filter or client id. */
export function resourceArn(prefix: string, action: AuthorizationAction, target: string): string {
  return `${prefix}${RESOURCE_KINDS[action].segment}/${target}`;
}
