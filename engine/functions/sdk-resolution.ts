/**
 * The AWS SDK v3 as Lambda's Node.js 18+ runtimes provide it: a function that does not bundle `@aws-sdk/*` gets the
 * engine's copy. CommonJS `require` falls back to it always (cheap); ES modules need a resolve hook in the worker,
 * which costs every cold start, so it is registered only for code that names the SDK.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

let root: string | null | undefined;

/** The directory whose `node_modules` holds the engine's `@aws-sdk/*`; null when the engine has none. */
export function sdkRoot(): string | null {
  if (root !== undefined) return root;
  try {
    const pkg = createRequire(import.meta.url).resolve('@aws-sdk/client-dynamodb/package.json');
    root = path.resolve(path.dirname(pkg), '..', '..', '..');
  } catch {
    root = null;
  }
  return root;
}

const SOURCE = /\.(mjs|js|mts|ts|cjs|cts)$/;
const NAMES_SDK = /['"]@(aws-sdk|smithy)\//;
const MAX_FILES = 500;
const MAX_BYTES = 2 * 1024 * 1024;

/** Whether the function's own code (its task root, without node_modules) imports `@aws-sdk/*` or `@smithy/*`. */
export function namesAwsSdk(taskRoot: string): boolean {
  let seen = 0;
  const walk = (dir: string, depth: number): boolean => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const e of entries) {
      if (seen >= MAX_FILES) return false;
      const file = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && !e.name.startsWith('.') && depth < 6 && walk(file, depth + 1)) return true;
      } else if (e.isFile() && SOURCE.test(e.name)) {
        seen++;
        try {
          if (fs.statSync(file).size <= MAX_BYTES && NAMES_SDK.test(fs.readFileSync(file, 'utf8'))) return true;
        } catch { /* unreadable: skipped */ }
      }
    }
    return false;
  };
  return walk(taskRoot, 0);
}
