/**
 * encode/decode [DG:iot-sql-functions#iot-sql-encode-payload, #iot-sql-decode-base64] (2016-03-23). `encode(*,
 * 'base64')` encodes the raw payload bytes (the compiler routes `*` there); other values are converted to String
 * first. `decode` returns the parsed document when the decoded text is JSON, else the text; NULL when the input
 * is not base64.
 */
import { checkLength, jsonTooDeep } from '../limits.js';
import { toText, type SqlValue } from '../values.js';
import { pure, V2, type SqlFunction } from './types.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

export function encodeBytes(bytes: Uint8Array, scheme: SqlValue): SqlValue {
  if (typeof scheme !== 'string' || scheme.toLowerCase() !== 'base64') return undefined;
  checkLength(Math.ceil(bytes.byteLength / 3) * 4, 'encode');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function encode(value: SqlValue, scheme: SqlValue): SqlValue {
  const s = toText(value);
  return s === undefined ? undefined : encodeBytes(Buffer.from(s, 'utf8'), scheme);
}

function decode(value: SqlValue, scheme: SqlValue): SqlValue {
  if (typeof scheme !== 'string' || scheme.toLowerCase() !== 'base64') return undefined; // 'proto' needs S3 descriptors
  if (typeof value !== 'string') return undefined;
  const compact = value.replace(/[\r\n]/g, '');
  if (!BASE64.test(compact)) return null;
  const text = Buffer.from(compact, 'base64').toString('utf8');
  if (jsonTooDeep(text)) return text;
  try {
    return JSON.parse(text) as SqlValue;
  } catch {
    return text;
  }
}

export const encodingFunctions: SqlFunction[] = [
  pure('encode', 2, 2, encode, V2),
  pure('decode', 2, 2, decode, V2),
];
