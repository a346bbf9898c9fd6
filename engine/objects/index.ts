export { ObjectService, type BodySource, type ObjectEvents, type ObjectServiceOptions, type WriteOptions } from './object-service.js';
export { bucketNameProblem } from './bucket-name.js';
export { s3Error, type S3ErrorCode } from './object-errors.js';
export type { ListQuery, ListResult } from './object-listing.js';
export { storedHeaders, type BucketInfo, type ObjectAttributes, type ObjectInfo, type PartInfo, type StoredHeader, type UploadInfo } from './object-types.js';
