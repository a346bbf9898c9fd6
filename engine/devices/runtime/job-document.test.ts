import { describe, expect, it } from 'vitest';
import { parseJobDocument } from './job-document.js';

const OPS = ['firmware-update', 'install'];
const HASH = 'ab'.repeat(32);

describe('parseJobDocument', () => {
  it.each([
    ['not an object', ['a'], 'the job document is not a JSON object'],
    ['no operation', { version: '2' }, 'the job document has no operation'],
    ['an operation the device does not run', { operation: 'reboot' }, "unsupported operation 'reboot'"],
    ['files that are not a list', { operation: 'install', files: {} }, 'files is not a list'],
    ['a file with neither url nor stream', { operation: 'install', files: [{ fileName: 'a' }] }, 'file a names no url and no stream'],
    ['a url that is not http(s)', { operation: 'install', files: [{ fileName: 'a', url: 'ftp://h/a' }] }, 'file a: the url is not http(s): ftp://h/a'],
    ['a short sha256', { operation: 'install', url: 'http://h/a', sha256: 'abc' }, 'file file-0: sha256 is not 64 hex digits'],
    ['an unknown hash algorithm', { operation: 'install', files: [{ fileName: 'a', fileSource: { url: 'http://h/a' }, checksum: { inline: { value: HASH }, hashAlgorithm: 'MD5' } }] }, 'file a: unsupported hash algorithm MD5'],
    ['an OTA document for a device without firmware-update', { afr_ota: { files: [{ fileid: 0 }] } }, "unsupported operation 'firmware-update' (an afr_ota document)", ['install']],
    ['an OTA document without files', { afr_ota: { streamname: 's', files: [] } }, 'afr_ota has no files'],
  ])('rejects %s', (_what, doc, reason, ops = OPS) => {
    expect(parseJobDocument(doc, ops as string[])).toEqual({ rejected: reason });
  });

  it('reads files from URLs and streams with their size, hash and signature', () => {
    const doc = {
      operation: 'firmware-update', version: '2.0.1',
      files: [
        { fileName: 'fw.bin', url: 'https://h/fw.bin?X-Amz-Signature=1', fileSize: 10, sha256: HASH.toUpperCase(), 'sig-sha256-ecdsa': 'c2ln', certfile: '-----BEGIN CERTIFICATE-----' },
        { fileName: 'cfg', streamId: 'fw-stream', fileId: '3', 'sig-sha256-rsa': 'cnNh' },
      ],
    };
    expect(parseJobDocument(doc, OPS)).toEqual({
      plan: {
        operation: 'firmware-update', document: doc,
        files: [
          { name: 'fw.bin', source: { kind: 'url', url: 'https://h/fw.bin?X-Amz-Signature=1' }, size: 10, sha256: HASH, signature: { algorithm: 'sha256-ecdsa', value: 'c2ln', certificate: '-----BEGIN CERTIFICATE-----' } },
          { name: 'cfg', source: { kind: 'stream', streamId: 'fw-stream', fileId: 3 }, signature: { algorithm: 'sha256-rsa', value: 'cnNh' } },
        ],
      },
    });
  });

  it('reads the jobs-agent install document, a single top-level url, and no files at all', () => {
    const install = { operation: 'install', packageName: 'p', files: [{ fileName: 'a.sh', fileSource: { url: 'http://h/a.sh' }, checksum: { inline: { value: HASH }, hashAlgorithm: 'SHA256' } }] };
    expect(parseJobDocument(install, OPS)).toMatchObject({ plan: { operation: 'install', files: [{ name: 'a.sh', source: { kind: 'url', url: 'http://h/a.sh' }, sha256: HASH }] } });
    expect(parseJobDocument({ operation: 'install', url: 'http://h/x' }, OPS)).toMatchObject({ plan: { files: [{ name: 'file-0', source: { kind: 'url', url: 'http://h/x' } }] } });
    expect(parseJobDocument({ operation: 'install', version: '3' }, OPS)).toMatchObject({ plan: { files: [] } });
  });

  it('reads an AWS OTA document: files from its stream, or from an HTTP update_data_url', () => {
    const ota = { afr_ota: { protocols: ['MQTT'], streamname: 'AFR_OTA-1', files: [{ filepath: '/fw', filesize: 300, fileid: 2, certfile: 'pem', 'sig-sha256-ecdsa': 'c2ln' }] } };
    expect(parseJobDocument(ota, OPS)).toEqual({
      plan: { operation: 'firmware-update', document: ota, files: [{ name: '/fw', source: { kind: 'stream', streamId: 'AFR_OTA-1', fileId: 2 }, size: 300, signature: { algorithm: 'sha256-ecdsa', value: 'c2ln', certificate: 'pem' } }] },
    });
    const http = { afr_ota: { files: [{ filepath: '/fw', update_data_url: 'https://h/fw' }] } };
    expect(parseJobDocument(http, OPS)).toMatchObject({ plan: { files: [{ source: { kind: 'url', url: 'https://h/fw' } }] } });
  });
});
