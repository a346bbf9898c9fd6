/** Hashing functions: lower-case hex of the UTF-8 bytes of the (string-converted) argument [DG:iot-sql-functions#iot-sql-function-hash]. */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { toText } from '../values.js';
import { md2Hex } from './md2.js';
import { pure, type SqlFunction } from './types.js';

function hash(name: string, digest: (bytes: Buffer) => string): SqlFunction {
  return pure(name, 1, 1, (a) => {
    const s = toText(a);
    return s === undefined ? undefined : digest(Buffer.from(s, 'utf8'));
  });
}

const nodeHash = (algorithm: string) => (bytes: Buffer) => createHash(algorithm).update(bytes).digest('hex');

export const hashFunctions: SqlFunction[] = [
  hash('md2', md2Hex),
  ...['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'].map((alg) => hash(alg, nodeHash(alg))),
  // Not an AWS function: offered for local pipelines; the checker warns that AWS rejects it.
  { ...hash('crc32', (bytes) => (crc32(bytes) >>> 0).toString(16).padStart(8, '0')), extension: true },
];
