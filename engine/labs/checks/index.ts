/** Every check kind, in one table: a lab's check names one of them as its only key besides id, title and hint. */
import type { CheckKind } from './check.js';
import { caCertificateCheck } from './ca-certificate.js';
import { certificateCheck } from './certificate.js';
import { eventCheck } from './event.js';
import { functionCheck } from './function.js';
import { jobCheck } from './job.js';
import { localCheck } from './local.js';
import { messageCheck } from './message.js';
import { policyCheck } from './policy.js';
import { provisioningTemplateCheck } from './provisioning-template.js';
import { ruleCheck } from './rule.js';
import { searchCheck } from './search.js';
import { shadowCheck } from './shadow.js';
import { sinkCheck } from './sink.js';
import { subscriptionCheck } from './subscription.js';
import { thingCheck } from './thing.js';

export const CHECK_KINDS: readonly CheckKind[] = [thingCheck, certificateCheck, caCertificateCheck, policyCheck, ruleCheck, messageCheck, eventCheck, shadowCheck, sinkCheck, subscriptionCheck, functionCheck, searchCheck, provisioningTemplateCheck, jobCheck, localCheck];

export function checkKind(kind: string): CheckKind | undefined {
  return CHECK_KINDS.find((k) => k.kind === kind);
}

export const CHECK_KIND_NAMES: readonly string[] = CHECK_KINDS.map((k) => k.kind);

export * from './check.js';
export { AwsClients } from './clients.js';
export { casByCommonName, commonName } from './ca-certificate.js';
export { Observer, capturedMessages, type ObservedMessage } from './observed.js';
