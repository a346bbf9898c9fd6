/**
 * `thingbench run FILE`: loads a scenario, opens its target (a fresh local engine by default), runs it with a
 * reporter, and exits 0 when every expectation held, 1 when one failed (or the run was stopped), 2 for bad input
 * (bad YAML or schema, an unknown target, a step the target cannot do: each in one sentence or as file:line:col).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../config.js';
import { EngineError, streamLogger } from '../core/index.js';
import { createReporter, loadScenario, openTarget, REPORTERS, runScenario, type ReporterKind, type RunResult, type Target } from '../scenarios/index.js';
import { targetExitCode } from './target-commands.js';

export const runUsage = `
Scenarios:
  thingbench run FILE [--target NAME] [--seed N] [--deterministic] [--reporter pretty|json|junit] [--out FILE]
                      [--var NAME=VALUE …] [--data-dir DIR]
      Runs a scenario file against a target (the scenario's target:, else a fresh local engine on free ports).
      --seed fixes every generator, id and jitter (default: the scenario's seed, else a random one, printed);
      --deterministic runs the devices on a virtual clock. --reporter json writes JSON lines, junit JUnit XML;
      --out FILE writes the report to FILE (and a pretty one to the terminal). --var sets a variable (JSON or text).
      Exit 0: every expectation held; 1: one failed or the run was stopped; 2: bad input.
`;

class UsageError extends Error {}

export async function runCommand(argv: string[]): Promise<number> {
  try {
    return await runMain(argv);
  } catch (e) {
    if (e instanceof UsageError) return bad(e.message);
    if (e instanceof EngineError && targetExitCode(e) === 2) return bad(e.message);
    process.stderr.write(`thingbench run: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

function bad(message: string): number {
  process.stderr.write(`thingbench run: ${message}\n`);
  return 2;
}

async function runMain(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        target: { type: 'string' }, seed: { type: 'string' }, deterministic: { type: 'boolean' }, reporter: { type: 'string' },
        out: { type: 'string' }, var: { type: 'string', multiple: true }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(runUsage.trimStart());
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument '${positionals[1]}'` : 'run needs a scenario FILE');
  const file = positionals[0];
  const reporter = (values.reporter ?? 'pretty') as ReporterKind;
  if (!REPORTERS.includes(reporter)) throw new UsageError(`--reporter must be pretty, json or junit, not '${values.reporter}'`);
  let seed: number | undefined;
  if (values.seed !== undefined) {
    if (!/^\d+$/.test(values.seed) || Number(values.seed) > 0xffffffff) throw new UsageError(`--seed must be a whole number from 0 to 4294967295, not '${values.seed}'`);
    seed = Number(values.seed);
  }
  const vars: Record<string, unknown> = {};
  for (const v of values.var ?? []) {
    const i = v.indexOf('=');
    if (i < 1 || !/^[A-Za-z_][\w-]*$/.test(v.slice(0, i))) throw new UsageError(`--var must be NAME=VALUE, not '${v}'`);
    const raw = v.slice(i + 1);
    try {
      vars[v.slice(0, i)] = JSON.parse(raw);
    } catch {
      vars[v.slice(0, i)] = raw;
    }
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`no scenario file '${file}'`);
  }
  let scenario;
  try {
    scenario = loadScenario(text, file);
  } catch (e) {
    if (e instanceof EngineError && e.code === 'InvalidInput') {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let out: NodeJS.WritableStream = process.stdout;
  let outFile: fs.WriteStream | undefined;
  if (values.out !== undefined) {
    try {
      outFile = fs.createWriteStream(path.resolve(values.out));
      await new Promise<void>((ok, fail) => outFile!.once('open', () => ok()).once('error', fail));
    } catch (e) {
      throw new UsageError(`cannot write the report to '${values.out}': ${(e as Error).message}`);
    }
    out = outFile;
  }
  const dataDir = (values['data-dir'] as string | undefined) ?? defaultDataDir();
  const target: Target = await openTarget(values.target ?? scenario.target, { dataDir, logger: streamLogger(process.stderr, 'warn') });
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write('\nthingbench run: stopping; cleaning up what the run created (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  let result: RunResult;
  try {
    const tty = process.stdout.isTTY === true;
    const main = createReporter(reporter, out, { tty: out === process.stdout && tty });
    const console = outFile ? createReporter('pretty', process.stdout, { tty }) : undefined;
    result = await runScenario(scenario, {
      target, seed, signal: controller.signal, dataDir, vars,
      ...(values.deterministic ? { deterministic: true } : {}),
      reporter: { attach: (events) => { main.attach(events); console?.attach(events); } },
    });
  } finally {
    process.off('SIGINT', onSigint);
    await target.close().catch(() => undefined);
    if (outFile) await new Promise<void>((ok) => outFile!.end(() => ok()));
  }
  return result.status === 'passed' ? 0 : 1;
}
