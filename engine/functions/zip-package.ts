/**
 * Deployment packages: a zip read with fflate into files under a code directory, with Lambda's refusals (not a
 * zip, over the unzipped size limit) and no entry written outside that directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { EngineError } from '../core/index.js';

/** Lambda: 250 MB unzipped, including layers. */
export const MAX_UNZIPPED = 262_144_000;

const NOT_A_ZIP = 'Could not unzip uploaded file. Please check your file, then try to upload again.';

/** The package's files by relative path (directories left out). */
export function readPackage(zip: Buffer): Map<string, Uint8Array> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(zip.buffer, zip.byteOffset, zip.byteLength));
  } catch {
    throw new EngineError('InvalidInput', NOT_A_ZIP);
  }
  const files = new Map<string, Uint8Array>();
  let total = 0;
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    const rel = path.posix.normalize(name.replace(/\\/g, '/'));
    if (rel.startsWith('/') || rel.startsWith('../') || rel === '..' || /^[a-zA-Z]:/.test(rel)) throw new EngineError('InvalidInput', NOT_A_ZIP);
    total += data.length;
    if (total > MAX_UNZIPPED) throw new EngineError('InvalidInput', `Unzipped size must be smaller than ${MAX_UNZIPPED} bytes`);
    files.set(rel, data);
  }
  return files;
}

/** Writes the files under `dir` (made fresh). */
export function writePackage(dir: string, files: Map<string, Uint8Array>): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, data] of files) {
    const file = path.join(dir, ...rel.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
  }
}

/** A one-file package (GetFunction's download of a folder function). */
export function zipOneFile(name: string, data: Buffer): Buffer {
  return Buffer.from(zipSync({ [name]: new Uint8Array(data) }));
}
