/** Multipart uploads: CreateMultipartUpload, UploadPart, ListParts, CompleteMultipartUpload, AbortMultipartUpload. */
import { attributesOf } from './s3-objects.js';
import { S3WireError } from './s3-errors.js';
import type { S3Handler } from './s3-types.js';
import { el, isoTime, looksLikeXml, xmlDocument, xmlValues } from './s3-xml.js';

export const createMultipartUpload: S3Handler = async (objects, req) => {
  const up = await objects.createUpload(req.bucket!, req.key!, attributesOf(req));
  return { body: xmlDocument('InitiateMultipartUploadResult', `${el('Bucket', up.bucket)}${el('Key', up.key)}${el('UploadId', up.uploadId)}`) };
};

export const uploadPart: S3Handler = async (objects, req) => {
  const raw = req.query.get('partNumber')!;
  const number = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  const upload = req.upload!;
  const etag = await objects.uploadPart(req.bucket!, req.key!, req.query.get('uploadId')!, number, upload.source, { sealed: () => upload.sealed() });
  return { headers: { etag } };
};

export const listParts: S3Handler = (objects, req) => {
  const uploadId = req.query.get('uploadId')!;
  const parts = objects.listParts(req.bucket!, req.key!, uploadId);
  const body = el('Bucket', req.bucket!) + el('Key', req.key!) + el('UploadId', uploadId) + el('PartNumberMarker', 0)
    + el('NextPartNumberMarker', parts.at(-1)?.number ?? 0) + el('MaxParts', 1000) + el('IsTruncated', false) + el('StorageClass', 'STANDARD')
    + parts.map((p) => `<Part>${el('PartNumber', p.number)}${el('LastModified', isoTime(p.lastModified))}${el('ETag', p.etag)}${el('Size', p.size)}</Part>`).join('');
  return { body: xmlDocument('ListPartsResult', body) };
};

export const completeMultipartUpload: S3Handler = async (objects, req) => {
  const xml = req.body.toString('utf8');
  const malformed = () => new S3WireError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  if (!looksLikeXml(xml, 'CompleteMultipartUpload')) throw malformed();
  const parts = xmlValues(xml, 'Part').map((p) => ({ number: Number(xmlValues(p, 'PartNumber')[0]), etag: xmlValues(p, 'ETag')[0] }));
  if (parts.some((p) => !Number.isInteger(p.number) || typeof p.etag !== 'string')) throw malformed();
  const info = await objects.completeUpload(req.bucket!, req.key!, req.query.get('uploadId')!, parts);
  const location = req.style === 'virtual' ? `${req.endpoint}/${encodeKey(req.key!)}` : `${req.endpoint}/${req.bucket}/${encodeKey(req.key!)}`;
  return { body: xmlDocument('CompleteMultipartUploadResult', `${el('Location', location)}${el('Bucket', req.bucket!)}${el('Key', req.key!)}${el('ETag', info.etag)}`) };
};

export const abortMultipartUpload: S3Handler = async (objects, req) => {
  await objects.abortUpload(req.bucket!, req.key!, req.query.get('uploadId')!);
  return { status: 204 };
};

const encodeKey = (key: string) => encodeURIComponent(key).replace(/%2F/g, '/');
