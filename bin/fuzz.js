#!/usr/bin/env node
// Fuzz runner: `npm run fuzz -- [--seed N] [--minutes M] [mqtt|http|sql|documents …]` runs test/fuzz/*.fuzz.test.ts
// longer than `npm test` does. Each fuzz property runs for M minutes (default 1) with seed N (default: a random one,
// printed); a failure prints the seed, fast-check's path and the input, and `--seed N` replays the same inputs.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'test', 'fuzz');
const targets = readdirSync(dir).filter((f) => f.endsWith('.fuzz.test.ts')).map((f) => f.slice(0, -'.fuzz.test.ts'.length)).sort();

function usage(out) {
  out(`usage: npm run fuzz -- [--seed N] [--minutes M] [${targets.join('|')} …]\n` +
    '  --seed N     fast-check seed (default: random, printed)\n' +
    '  --minutes M  how long each fuzz property runs (default 1; fractions allowed)');
}

const args = process.argv.slice(2);
let seed = randomInt(1, 2 ** 31 - 1);
let minutes = 1;
const chosen = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--help' || a === '-h') { usage(console.log); process.exit(0); }
  if (a === '--seed' || a === '--minutes') {
    const v = Number(args[++i]);
    if (!Number.isFinite(v) || v <= 0 || (a === '--seed' && !Number.isSafeInteger(v))) { console.error(`${a} needs a positive ${a === '--seed' ? 'integer' : 'number'}`); usage(console.error); process.exit(2); }
    if (a === '--seed') seed = v; else minutes = v;
  } else if (targets.includes(a)) {
    chosen.push(a);
  } else {
    console.error(`unknown argument '${a}'`);
    usage(console.error);
    process.exit(2);
  }
}

const files = (chosen.length ? chosen : targets).map((t) => path.join('test', 'fuzz', `${t}.fuzz.test.ts`));
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
if (!existsSync(vitest)) { console.error('vitest is not installed (run npm install)'); process.exit(2); }
const ms = Math.round(minutes * 60_000);
console.log(`fuzzing ${files.length} target(s) with seed ${seed}, ${minutes} minute(s) per property`);
const child = spawn(process.execPath, [vitest, 'run', ...files], {
  cwd: root, stdio: 'inherit', env: { ...process.env, FUZZ_SEED: String(seed), FUZZ_MS: String(ms) },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  if (code !== 0) console.error(`\nfuzz failed: replay with npm run fuzz -- --seed ${seed} --minutes ${minutes}${chosen.length ? ` ${chosen.join(' ')}` : ''}`);
  process.exit(code ?? (signal ? 1 : 0));
});
