/**
 * Functions created through the Lambda API, kept as files under `<dataDir>/lambda/functions/<name>/`:
 * `function.json` (the configuration), `code.zip` (the package as uploaded, served back by GetFunction) and
 * `code-<revision>/` (the unpacked code a runtime loads; a new revision gets a new directory, the old one is
 * removed). `<dataDir>/lambda/package.json` says `commonjs`, so a package's `.js` files are CommonJS unless the
 * package says otherwise, as on Lambda, whatever project the data directory sits in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { EngineError, type Clock } from '../core/index.js';
import { writeFileDurably } from '../storage/index.js';
import { checkSettings, handlerFiles, languageOf, notFound, parseHandler, type FunctionConfig, type FunctionSettings } from './function-model.js';
import type { FunctionSpec } from './function-spec.js';
import { readPackage, writePackage } from './zip-package.js';

interface Stored { config: FunctionConfig; codeDir: string }

export class FunctionCatalog {
  private readonly functions = new Map<string, Stored>();
  private readonly dir: string;

  constructor(private readonly root: string, private readonly clock: Clock) {
    this.dir = path.join(root, 'functions');
  }

  /** Reads the stored functions (a directory without a readable function.json is skipped). */
  open(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const pkg = path.join(this.root, 'package.json');
    if (!fs.existsSync(pkg)) fs.writeFileSync(pkg, '{ "type": "commonjs" }\n');
    for (const name of fs.readdirSync(this.dir)) {
      try {
        const config = JSON.parse(fs.readFileSync(path.join(this.dir, name, 'function.json'), 'utf8')) as FunctionConfig;
        this.functions.set(config.name, { config, codeDir: this.codeDir(config.name, config.revisionId) });
      } catch { /* not a function */ }
    }
  }

  has(name: string): boolean {
    return this.functions.has(name);
  }

  names(): string[] {
    return [...this.functions.keys()];
  }

  get(name: string): FunctionConfig {
    const f = this.functions.get(name);
    if (!f) throw notFound(name);
    return f.config;
  }

  async create(name: string, settings: Required<Pick<FunctionSettings, 'runtime' | 'handler' | 'role'>> & FunctionSettings, zip: Buffer): Promise<FunctionConfig> {
    checkSettings(settings);
    const files = readPackage(zip);
    checkHandlerFile(settings.runtime, settings.handler, files);
    const config: FunctionConfig = {
      name, runtime: settings.runtime, handler: settings.handler, role: settings.role, description: settings.description ?? '',
      timeout: settings.timeout ?? 3, memorySize: settings.memorySize ?? 128, environment: settings.environment ?? {},
      codeSha256: sha256(zip), codeSize: zip.length, lastModified: this.clock.now(), revisionId: randomUUID(), source: 'api',
    };
    await this.write(config, zip, files, null);
    return config;
  }

  async updateCode(name: string, zip: Buffer, expectedRevision?: string): Promise<FunctionConfig> {
    const current = this.current(name, expectedRevision);
    const files = readPackage(zip);
    checkHandlerFile(current.config.runtime, current.config.handler, files);
    const config = { ...current.config, codeSha256: sha256(zip), codeSize: zip.length, lastModified: this.clock.now(), revisionId: randomUUID() };
    await this.write(config, zip, files, current.codeDir);
    return config;
  }

  async updateSettings(name: string, settings: FunctionSettings, expectedRevision?: string): Promise<FunctionConfig> {
    const current = this.current(name, expectedRevision);
    checkSettings(settings);
    const config: FunctionConfig = { ...current.config, ...definedOnly(settings), lastModified: this.clock.now(), revisionId: randomUUID() };
    if (settings.runtime !== undefined || settings.handler !== undefined) {
      // Lambda keeps the code when the handler or runtime changes; a handler whose file is not in it is refused here.
      const zip = fs.readFileSync(path.join(this.dir, name, 'code.zip'));
      checkHandlerFile(config.runtime, config.handler, readPackage(zip));
    }
    // The code directory follows the revision (a warm instance of the old one is retired by the caller).
    const codeDir = this.codeDir(name, config.revisionId);
    fs.renameSync(current.codeDir, codeDir);
    await this.saveConfig(config);
    this.functions.set(name, { config, codeDir });
    return config;
  }

  delete(name: string): void {
    if (!this.functions.delete(name)) throw notFound(name);
    fs.rmSync(path.join(this.dir, name), { recursive: true, force: true });
  }

  /** The function's tags (`tags.json` beside its configuration; none when it has never been tagged). */
  tags(name: string): Record<string, string> {
    if (!this.functions.has(name)) throw notFound(name);
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, name, 'tags.json'), 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  /** Replaces the function's tags (tagging changes neither its configuration nor its revision, as on AWS). */
  async setTags(name: string, tags: Record<string, string>): Promise<void> {
    if (!this.functions.has(name)) throw notFound(name);
    await writeFileDurably(path.join(this.dir, name, 'tags.json'), Buffer.from(JSON.stringify(tags, null, 2)));
  }

  zip(name: string): Buffer {
    if (!this.functions.has(name)) throw notFound(name);
    return fs.readFileSync(path.join(this.dir, name, 'code.zip'));
  }

  spec(name: string): FunctionSpec | null {
    const f = this.functions.get(name);
    if (!f) return null;
    const { config, codeDir } = f;
    const { module, exportName } = parseHandler(config.handler);
    const candidates = handlerFiles(config.runtime, config.handler).map((rel) => path.join(codeDir, ...rel.split('/')));
    const file = candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
    return {
      name, language: languageOf(config.runtime), file, moduleName: module, exportName, handler: config.handler, taskRoot: codeDir,
      timeoutMs: config.timeout * 1000, memoryMb: config.memorySize, variables: config.environment, revision: config.revisionId,
    };
  }

  private current(name: string, expectedRevision?: string): Stored {
    const f = this.functions.get(name);
    if (!f) throw notFound(name);
    if (expectedRevision !== undefined && expectedRevision !== f.config.revisionId) {
      throw new EngineError('Conflict', 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id', { reason: 'precondition' });
    }
    return f;
  }

  private codeDir(name: string, revision: string): string {
    return path.join(this.dir, name, `code-${revision}`);
  }

  private async write(config: FunctionConfig, zip: Buffer, files: Map<string, Uint8Array>, oldDir: string | null): Promise<void> {
    const fnDir = path.join(this.dir, config.name);
    fs.mkdirSync(fnDir, { recursive: true });
    const codeDir = this.codeDir(config.name, config.revisionId);
    writePackage(codeDir, files);
    await writeFileDurably(path.join(fnDir, 'code.zip'), zip);
    await this.saveConfig(config);
    this.functions.set(config.name, { config, codeDir });
    if (oldDir && oldDir !== codeDir) fs.rmSync(oldDir, { recursive: true, force: true });
  }

  private async saveConfig(config: FunctionConfig): Promise<void> {
    await writeFileDurably(path.join(this.dir, config.name, 'function.json'), Buffer.from(JSON.stringify(config, null, 2)));
  }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

function definedOnly(s: FunctionSettings): FunctionSettings {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as FunctionSettings;
}

/** Refuses a package without the handler's module file (Lambda would fail every invocation with ImportModuleError). */
function checkHandlerFile(runtime: string, handler: string, files: Map<string, Uint8Array>): void {
  const candidates = handlerFiles(runtime, handler);
  if (!candidates.some((c) => files.has(c))) {
    throw new EngineError('InvalidInput', `The handler ${handler} names a file that is not in the deployment package: none of ${candidates.join(', ')} (the package has ${[...files.keys()].slice(0, 10).join(', ') || 'no files'}).`);
  }
}
