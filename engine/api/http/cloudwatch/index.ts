/**
 * Amazon CloudWatch metrics and alarms on the engine's endpoint, over the sinks' metric namespaces and alarms (the
 * same the rules' cloudwatchMetric and cloudwatchAlarm actions write): awsJson 1.0 with awsQueryCompatible error
 * codes (`X-Amz-Target: GraniteServiceVersion20100801.*`, what SDK v3 sends) and the query protocol (`Action=…`,
 * what the AWS CLI 2.9 sends).
 *
 * Alarms keep their tags (PutMetricAlarm's `Tags` on creation, TagResource, UntagResource, ListTagsForResource).
 *
 * LIMITATIONS: no metric math (GetMetricData Expression, alarms on Metrics), anomaly detection, composite alarms,
 * dashboards, insight rules or metric streams; alarm actions are SNS topics only; alarm history holds state
 * updates only; data points are kept up to the per-sink record bound; not enforced: IAM.
 */
import { cloudwatchModel, serviceError, type AwsService } from '../protocols/index.js';
import { alarmOperations } from './alarm-operations.js';
import { alarmTagOperations } from './alarm-tags.js';
import type { CloudWatchPort } from './cloudwatch-port.js';
import { metricOperations } from './metric-operations.js';

export type { CloudWatchPort } from './cloudwatch-port.js';

export function cloudwatchService(port: CloudWatchPort): AwsService {
  return {
    title: 'Amazon CloudWatch',
    model: cloudwatchModel,
    protocols: ['json', 'query'],
    operations: {
      ...metricOperations(port), ...alarmOperations(port),
      ...(port.tags ? alarmTagOperations(port.tags, (alarm) => port.list('alarm').some((a) => a.name === alarm)) : {}),
    },
    errors: {
      NotFound: 'ResourceNotFound',
      InvalidInput: 'InvalidParameterValueException',
      TooLarge: 'InvalidParameterValueException',
    },
    validationError: (p) => p.kind === 'missing'
      ? serviceError('MissingRequiredParameterException', `The parameter ${p.path} is required.`)
      : serviceError('InvalidParameterValueException', `The value ${String(p.value)} for parameter ${p.path} is invalid.`),
  };
}
