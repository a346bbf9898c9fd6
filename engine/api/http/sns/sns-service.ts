/**
 * The SNS API on the engine's endpoint (query protocol, XML namespace `http://sns.amazonaws.com/doc/2010-03-31/`),
 * backed by the notification topics of the sinks: a topic made with `aws sns create-topic` is the one a rule's `sns`
 * action publishes to and the UI shows.
 *
 * LIMITATIONS: no platform applications, SMS settings, data protection policies or permissions (AddPermission);
 * topic policies are kept and returned but not enforced (no AuthorizationError, ever); see engine/sinks/notify.ts for
 * how each protocol is delivered.
 */
import { isEngineError } from '../../../core/index.js';
import type { NotifySink } from '../../../sinks/index.js';
import { serviceError, snsModel, type AwsService, type OperationHandler } from '../protocols/index.js';
import { snsPublishOperations } from './sns-publish.js';
import { snsSubscriptionOperations } from './sns-subscriptions.js';
import { snsTopicOperations } from './sns-topics.js';

/** The modeled error (shape name) for a domain error's `details.reason` (SNS's codes: `InvalidParameter`, …). */
const byReason: Record<string, string> = {
  InvalidParameter: 'InvalidParameterException',
  ParameterValueInvalid: 'InvalidParameterValueException',
  NotFound: 'NotFoundException',
  ResourceNotFound: 'ResourceNotFoundException',
  TagLimitExceeded: 'TagLimitExceededException',
};

/** Domain errors in SNS's words: the reason the domain gives, else by code (NotFound → `NotFound`, bad input → `InvalidParameter`). */
function snsError(e: unknown): unknown {
  if (!isEngineError(e)) return e;
  const reason = (e.details as { reason?: string } | undefined)?.reason;
  const type = (reason && byReason[reason])
    ?? (e.code === 'NotFound' ? 'NotFoundException' : e.code === 'InvalidInput' || e.code === 'TooLarge' ? 'InvalidParameterException' : undefined);
  if (type === 'NotFoundException' && e.code === 'NotFound' && !reason) return serviceError(type, e.message.replace(/^topic (.*) does not exist.*$/, 'Topic does not exist'));
  return type ? serviceError(type, e.message) : e;
}

const wrap = (ops: Record<string, OperationHandler>): Record<string, OperationHandler> => Object.fromEntries(
  Object.entries(ops).map(([name, handler]) => [name, async (input: unknown, ctx) => {
    try {
      return await handler(input, ctx);
    } catch (e) {
      throw snsError(e);
    }
  }]),
);

export function snsService(notify: NotifySink): AwsService {
  return {
    title: 'Amazon SNS',
    model: snsModel,
    operations: wrap({ ...snsTopicOperations(notify.topics), ...snsSubscriptionOperations(notify), ...snsPublishOperations(notify) }),
    errors: { NotFound: 'NotFoundException', InvalidInput: 'InvalidParameterException', TooLarge: 'InvalidParameterException' },
    // SNS names a missing or ill-typed parameter in its InvalidParameter error.
    validationError: (p) => serviceError('InvalidParameterException', `Invalid parameter: ${p.member}${p.kind === 'missing' ? ' Reason: no value for required parameter' : ''}`),
  };
}
