/** Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation. */
import { ACCOUNT_ID } from './s3-owner.js';
import type { S3Handler } from './s3-types.js';
import { el, isoTime, xmlDocument } from './s3-xml.js';

export const listBuckets: S3Handler = (objects) => {
  const buckets = objects.listBuckets().map((b) => `<Bucket>${el('Name', b.name)}${el('CreationDate', isoTime(b.created))}<BucketRegion>us-east-1</BucketRegion></Bucket>`).join('');
  return { body: xmlDocument('ListAllMyBucketsResult', `<Owner>${el('ID', ACCOUNT_ID)}${el('DisplayName', 'thingbench')}</Owner><Buckets>${buckets}</Buckets>`) };
};

export const createBucket: S3Handler = async (objects, req) => {
  await objects.createBucket(req.bucket!);
  return { headers: { location: `/${req.bucket}` } };
};

export const headBucket: S3Handler = (objects, req) => {
  objects.headBucket(req.bucket!);
  return { headers: { 'x-amz-bucket-region': 'us-east-1' } };
};

export const deleteBucket: S3Handler = async (objects, req) => {
  await objects.deleteBucket(req.bucket!);
  return { status: 204 };
};

/** us-east-1 is S3's empty LocationConstraint. */
export const getBucketLocation: S3Handler = (objects, req) => {
  objects.headBucket(req.bucket!);
  return { body: xmlDocument('LocationConstraint', '') };
};
