/**
 * What a virtual device reads in a job document: the operation, the files to download (where from, how big, their
 * checksum and signature) and the version it installs. Pure code; `device-jobs.ts` runs the plan.
 *
 * Three shapes are understood (all JSON objects):
 *   { "operation": "firmware-update", "version": "2.0.1",
 *     "files": [{ "fileName": "fw.bin", "url": "https://…", "fileSize": 1024, "sha256": "…hex…",
 *                 "sig-sha256-ecdsa": "…base64…", "certfile": "-----BEGIN CERTIFICATE-----…" },
 *               { "fileName": "fw2.bin", "streamId": "fw-stream", "fileId": 0 }] }
 *   The jobs-agent.js install document of the AWS IoT Device SDK: files with `fileSource.url` and
 *   `checksum: { inline: { value }, hashAlgorithm: "SHA256" }`.
 *   The AWS OTA document `{ "afr_ota": { "streamname": "…", "files": [{ "fileid", "filesize", "filepath",
 *   "certfile", "sig-sha256-ecdsa", "update_data_url" }] } }`, read as operation `firmware-update` (files from the
 *   stream, or from `update_data_url` over HTTP).
 * A single file may also sit at the top level (`url`, or `streamId` and `fileId`, beside `operation`).
 *
 * LIMITATIONS: a `certfile` that is not PEM text (on AWS, a path on the device) cannot be verified: such a file fails.
 */

export interface JobFile {
  name: string;
  source: { kind: 'url'; url: string } | { kind: 'stream'; streamId: string; fileId: number };
  size?: number;
  /** Lower-case hex SHA-256 the file must have. */
  sha256?: string;
  /** Base64 signature of the file and the algorithm it was made with. */
  signature?: { algorithm: 'sha256-ecdsa' | 'sha256-rsa'; value: string; certificate?: string };
}

export interface JobPlan {
  operation: string;
  files: JobFile[];
  /** The document itself (the shadow report's templates see it). */
  document: Record<string, unknown>;
}

/** A plan, or why the device rejects the document (the REJECTED execution's `reason`). */
export type ParsedJob = { plan: JobPlan } | { rejected: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};

/** The device's plan for `document`, given the operations it runs. */
export function parseJobDocument(document: unknown, operations: readonly string[]): ParsedJob {
  if (!isObj(document)) return { rejected: 'the job document is not a JSON object' };
  if (isObj(document.afr_ota)) return otaPlan(document, document.afr_ota, operations);
  const operation = str(document.operation);
  if (!operation) return { rejected: 'the job document has no operation' };
  if (!operations.includes(operation)) return { rejected: `unsupported operation '${operation.slice(0, 64)}'` };
  const entries: unknown[] = Array.isArray(document.files) ? document.files : [];
  if (document.files !== undefined && !Array.isArray(document.files)) return { rejected: 'files is not a list' };
  if (!entries.length && (document.url !== undefined || document.streamId !== undefined)) entries.push(document);
  const files: JobFile[] = [];
  for (const [i, e] of entries.entries()) {
    const f = jobFile(e, i);
    if (typeof f === 'string') return { rejected: f };
    files.push(f);
  }
  return { plan: { operation, files, document } };
}

function jobFile(e: unknown, i: number): JobFile | string {
  if (!isObj(e)) return `file ${i} is not an object`;
  const name = str(e.fileName) ?? str(e.filepath) ?? `file-${i}`;
  const fileSource = isObj(e.fileSource) ? e.fileSource : {};
  const url = str(e.url) ?? str(fileSource.url) ?? str(e.update_data_url);
  const streamId = str(e.streamId) ?? str(fileSource.streamId);
  let source: JobFile['source'];
  if (url) {
    if (!/^https?:\/\//i.test(url)) return `file ${name}: the url is not http(s): ${url.slice(0, 80)}`;
    source = { kind: 'url', url };
  } else if (streamId) {
    const fileId = int(e.fileId ?? fileSource.fileId ?? 0);
    if (fileId === undefined) return `file ${name}: fileId is not a whole number`;
    source = { kind: 'stream', streamId, fileId };
  } else return `file ${name} names no url and no stream`;
  const size = int(e.fileSize ?? e.filesize);
  const checksum = isObj(e.checksum) ? e.checksum : undefined;
  const inline = checksum && isObj(checksum.inline) ? str(checksum.inline.value) : undefined;
  if (checksum && inline && String(checksum.hashAlgorithm ?? 'SHA256').toUpperCase().replace('-', '') !== 'SHA256') {
    return `file ${name}: unsupported hash algorithm ${String(checksum.hashAlgorithm).slice(0, 32)}`;
  }
  const sha256 = (str(e.sha256) ?? inline)?.toLowerCase();
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) return `file ${name}: sha256 is not 64 hex digits`;
  const ecdsa = str(e['sig-sha256-ecdsa']), rsa = str(e['sig-sha256-rsa']);
  const certificate = str(e.certfile) ?? str(e.certificate);
  const signature: JobFile['signature'] = ecdsa ? { algorithm: 'sha256-ecdsa', value: ecdsa, ...(certificate ? { certificate } : {}) }
    : rsa ? { algorithm: 'sha256-rsa', value: rsa, ...(certificate ? { certificate } : {}) } : undefined;
  return { name, source, ...(size !== undefined ? { size } : {}), ...(sha256 ? { sha256 } : {}), ...(signature ? { signature } : {}) };
}

/** An AWS OTA document: its files come from its stream (`fileid`) unless they carry an HTTP `update_data_url`. */
function otaPlan(document: Obj, ota: Obj, operations: readonly string[]): ParsedJob {
  if (!operations.includes('firmware-update')) return { rejected: "unsupported operation 'firmware-update' (an afr_ota document)" };
  const stream = str(ota.streamname);
  if (!Array.isArray(ota.files) || !ota.files.length) return { rejected: 'afr_ota has no files' };
  const files: JobFile[] = [];
  for (const [i, raw] of ota.files.entries()) {
    if (!isObj(raw)) return { rejected: `file ${i} is not an object` };
    const f = jobFile(raw.update_data_url !== undefined || !stream ? raw : { ...raw, streamId: stream, fileId: raw.fileid ?? 0 }, i);
    if (typeof f === 'string') return { rejected: f };
    files.push(f);
  }
  return { plan: { operation: 'firmware-update', files, document } };
}
