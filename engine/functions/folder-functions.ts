/**
 * Functions that live as files in `<dataDir>/functions/`: `<name>.js|.mjs|.ts` (Node.js) or `<name>.py` (Python),
 * exporting `handler` (or a default export; `lambda_handler` in Python), with optional settings in
 * `<name>.config.json` as `{ "timeout": seconds, "memorySize": MB, "environment": { "variables": { … } } }`.
 * They are listed by the Lambda API beside the functions created with it; their code is edited as files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Logger } from '../core/index.js';
import { configuredVariables, nodeExecutionEnv, pythonInterpreter } from './function-env.js';
import type { FunctionConfig } from './function-model.js';
import type { FunctionSpec } from './function-spec.js';

const EXTENSIONS = ['.js', '.mjs', '.ts', '.py'];
const NAME = /^[a-zA-Z0-9-_]{1,64}$/;

export class FolderFunctions {
  constructor(readonly dir: string, private readonly logger: Logger, private readonly defaults = { timeoutMs: 3000, memoryMb: 128 }) {}

  /** The function's file, or null when none exists. */
  locate(name: string): string | null {
    if (!NAME.test(name)) return null;
    for (const ext of EXTENSIONS) {
      const file = path.join(this.dir, name + ext);
      if (fs.existsSync(file)) return file;
    }
    return null;
  }

  names(): string[] {
    let files: string[];
    try {
      files = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    const names = new Set<string>();
    for (const f of files) {
      const ext = path.extname(f);
      const name = f.slice(0, -ext.length);
      if (EXTENSIONS.includes(ext) && NAME.test(name) && this.locate(name) === path.join(this.dir, f)) names.add(name);
    }
    return [...names].sort();
  }

  private settings(name: string): { timeoutMs: number; memoryMb: number; variables: Record<string, string>; stamp: string } {
    let { timeoutMs, memoryMb } = this.defaults;
    let variables: Record<string, string> = {};
    let stamp = '';
    const file = path.join(this.dir, `${name}.config.json`);
    try {
      const text = fs.readFileSync(file, 'utf8');
      stamp = String(fs.statSync(file).mtimeMs);
      const c = JSON.parse(text) as { timeout?: unknown; memorySize?: unknown; environment?: unknown };
      if (typeof c.timeout === 'number' && c.timeout > 0 && c.timeout <= 900) timeoutMs = c.timeout * 1000;
      if (typeof c.memorySize === 'number' && c.memorySize >= 16 && c.memorySize <= 10240) memoryMb = c.memorySize;
      variables = configuredVariables(c.environment, (problem) => this.logger.log('warn', 'functions', `${name}.config.json: ${problem}`));
    } catch { /* no config: defaults */ }
    return { timeoutMs, memoryMb, variables, stamp };
  }

  spec(name: string): FunctionSpec | null {
    const file = this.locate(name);
    if (!file) return null;
    const s = this.settings(name);
    let mtime = '0';
    try { mtime = String(fs.statSync(file).mtimeMs); } catch { /* gone: the import fails and reports it */ }
    return {
      name, language: file.endsWith('.py') ? 'python' : 'node', file, moduleName: name, exportName: null, handler: `${name}.handler`, taskRoot: this.dir,
      timeoutMs: s.timeoutMs, memoryMb: s.memoryMb, variables: s.variables, revision: `${file}@${mtime}@${s.stamp}@${s.memoryMb}@${JSON.stringify(s.variables)}`,
    };
  }

  config(name: string): FunctionConfig | null {
    const file = this.locate(name);
    if (!file) return null;
    const s = this.settings(name);
    let data = Buffer.alloc(0);
    let mtime = 0;
    try {
      data = fs.readFileSync(file);
      mtime = fs.statSync(file).mtimeMs;
    } catch { /* removed meanwhile */ }
    const python = file.endsWith('.py');
    const py = python ? pythonInterpreter() : null;
    return {
      name, runtime: python ? (py ? py.executionEnv.replace('AWS_Lambda_', '') : 'python3.12') : nodeExecutionEnv().replace('AWS_Lambda_', ''),
      handler: `${name}.handler`, role: '', description: `${path.basename(file)} in the functions folder`,
      timeout: Math.round(s.timeoutMs / 1000), memorySize: s.memoryMb, environment: s.variables,
      codeSha256: createHash('sha256').update(data).digest('base64'), codeSize: data.length, lastModified: Math.round(mtime),
      revisionId: createHash('sha256').update(`${mtime}@${s.stamp}`).digest('hex').slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
      source: 'folder',
    };
  }
}
