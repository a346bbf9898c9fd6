/**
 * `s3` [DG:s3-rule-action]: writes the rule output as one object into the local S3. Parameters as AWS's S3Action:
 * `bucketName` and `key` (templates allowed, e.g. `${topic()}/${timestamp()}`), `cannedAcl` (one of S3's canned
 * ACLs: checked, then kept by no one, since the local S3 has no ACLs), `roleArn` (accepted, not enforced). A bucket
 * that does not exist fails the action with S3's NoSuchBucket message: make it with `aws s3 mb s3://name`.
 */
import { EngineError } from '../../core/index.js';
import type { ActionDeps, ActionFactory } from './action.js';
import { optionalString, requiredString } from './params.js';
import { attempt, param } from './sink-action.js';

const CANNED_ACLS = ['private', 'public-read', 'public-read-write', 'aws-exec-read', 'authenticated-read', 'bucket-owner-read', 'bucket-owner-full-control', 'log-delivery-write'];

function objectsOf(deps: ActionDeps): NonNullable<ActionDeps['objects']> {
  if (!deps.objects) throw new EngineError('InvalidInput', 'the s3 action needs the local S3, which this engine does not have');
  return deps.objects;
}

export const s3Action: ActionFactory = (params, deps) => {
  const objects = objectsOf(deps);
  const bucketName = requiredString(params, 'bucketName', 's3');
  const key = requiredString(params, 'key', 's3');
  const cannedAcl = optionalString(params, 'cannedAcl', 's3');
  if (cannedAcl !== undefined && !CANNED_ACLS.includes(cannedAcl)) {
    throw new EngineError('InvalidInput', `s3.cannedAcl must be one of ${CANNED_ACLS.join(', ')}`);
  }
  optionalString(params, 'roleArn', 's3');
  return {
    kind: 's3',
    invoke: (input) => attempt(async () => {
      const bucket = param(input, bucketName);
      const objectKey = param(input, key);
      await objects.put(bucket, objectKey, input.payload);
      return { bucket, key: objectKey };
    }),
  };
};
