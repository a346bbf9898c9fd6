export { s3Service, s3Operation, type S3ServiceOptions } from './s3-service.js';
export type { S3Objects } from './s3-types.js';
