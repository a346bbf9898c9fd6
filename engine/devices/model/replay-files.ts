/** Reads the CSV and JSON-lines files a model's `replay` fields name, once, before a run. */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { EngineError } from '../../core/index.js';
import type { ReplayData } from './sampler-types.js';
import type { DeviceModel, FieldSpec } from './types.js';

function scalar(text: string): unknown {
  if (text === '') return null;
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  return Number.isFinite(n) && /^\s*[-+]?(\d|\.\d)/.test(text) ? n : text;
}

/** RFC 4180 CSV: a header line, comma separated, `"` quoting with `""` inside; numbers and booleans converted. */
export function parseCsv(text: string): Record<string, unknown>[] {
  const rows: string[][] = [];
  let row: string[] = [], cell = '', quoted = false, i = 0;
  const endCell = (): void => { row.push(cell); cell = ''; };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      cell += c; i++; continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ',') { endCell(); i++; continue; }
    if (c === '\r' || c === '\n') {
      endCell(); rows.push(row); row = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    cell += c; i++;
  }
  if (cell !== '' || row.length > 0) { endCell(); rows.push(row); }
  const nonEmpty = rows.filter((r) => !(r.length === 1 && r[0] === ''));
  const [header, ...body] = nonEmpty;
  if (!header) return [];
  return body.map((r) => Object.fromEntries(header.map((h, k) => [h, scalar(r[k] ?? '')])));
}

/** One JSON value per non-empty line; a line that is not an object becomes `{ value }`. */
export function parseJsonLines(text: string, fileName: string): Record<string, unknown>[] {
  return text.split(/\r?\n/).flatMap((line, k) => {
    if (!line.trim()) return [];
    let v: unknown;
    try { v = JSON.parse(line); } catch {
      throw new EngineError('InvalidInput', `${fileName}:${k + 1}:1: expected one JSON value per line`);
    }
    return [v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v }];
  });
}

function replayFiles(spec: FieldSpec, out: Set<string>): void {
  if (spec.gen === 'replay') out.add(spec.file);
  else if (spec.gen === 'object') Object.values(spec.fields).forEach((s) => replayFiles(s, out));
  else if (spec.gen === 'array') replayFiles(spec.items, out);
  else if (spec.gen === 'spike' || spec.gen === 'anomaly') replayFiles(spec.base, out);
}

/** Reads every replay file of `model`, paths relative to `baseDir` (the model file's folder). */
export function readReplayFiles(model: DeviceModel, baseDir: string, checkFile?: (path: string) => void): ReplayData {
  const files = new Set<string>();
  for (const tel of model.telemetry) Object.values(tel.fields).forEach((s) => replayFiles(s, files));
  for (const cmd of model.commands) Object.values(cmd.reply).forEach((s) => replayFiles(s, files));
  const out = new Map<string, Record<string, unknown>[]>();
  for (const f of files) {
    const path = isAbsolute(f) ? f : resolve(baseDir, f);
    checkFile?.(path);
    let text: string;
    try { text = readFileSync(path, 'utf8'); } catch (e) {
      throw new EngineError('NotFound', `replay file '${f}' cannot be read: ${(e as Error).message}`);
    }
    out.set(f, /\.csv$/i.test(f) ? parseCsv(text) : parseJsonLines(text, f));
  }
  return out;
}
