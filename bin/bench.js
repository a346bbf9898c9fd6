#!/usr/bin/env node
// Benchmark dispatcher: `node bin/bench.js <name> [flags]` runs bench/<name>.ts through tsx.
// `npm run bench -- broker --rounds 3` → node --import tsx bench/broker.ts --rounds 3
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');

/** Benchmarks are the top-level bench/*.ts files; the first comment line is their one-line description. */
function available() {
  let files = [];
  try { files = readdirSync(benchDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')); } catch { /* no bench dir */ }
  return files.sort().map((f) => {
    const first = readFileSync(path.join(benchDir, f), 'utf8').split('\n')[0] ?? '';
    return { name: f.slice(0, -3), about: first.replace(/^\/\/\s*/, '').split(/:\s/)[0] };
  });
}

function printList(out) {
  out('usage: npm run bench -- <name> [flags]   (node bin/bench.js <name> [flags]; <name> --help for flags)\n\navailable benchmarks:');
  for (const b of available()) out(`  ${b.name.padEnd(12)} ${b.about}`);
}

const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h') {
  printList(console.log);
  process.exit(name ? 0 : 2);
}
const file = path.join(benchDir, `${name}.ts`);
if (!/^[a-z0-9][a-z0-9-]*$/i.test(name) || !existsSync(file)) {
  console.error(`unknown benchmark '${name}'\n`);
  printList(console.error);
  process.exit(2);
}
const child = spawn(process.execPath, ['--import', 'tsx', file, ...rest], { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0)));
