/**
 * `thingbench lab list|start|env|check|solve|reset`: the workshop labs from a terminal.
 *
 * Without `--target`, the commands drive the Thingbench running on the data directory through its control socket
 * (so a lab's devices keep running in it, and `check --watch` ticks on its events); with none running, `list`,
 * `env`, `check` and `reset` open the data directory in this process, and `start`/`solve`/`fault` ask for Thingbench to be
 * started first. With `--target NAME` the lab runs in this process against that target (another Thingbench, AWS).
 * Exit codes: 0 done (check: every check done), 1 not (check: some missing; a failed solve or reset), 2 bad input
 * (usage, an unknown lab or target, a broken lab file as file:line:col).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../config.js';
import { EngineError, streamLogger } from '../core/index.js';
import { envExports, type CheckReport } from '../labs/index.js';
import { openTarget } from '../scenarios/index.js';
import type { FaultSpec } from '../devices/index.js';
import { faultFromArgs, faultKindOptions, FaultUsageError, negativeOffsets } from './devices-fault-command.js';
import { labDirList } from './lab-dirs.js';
import { targetExitCode } from './target-commands.js';
import { waitForSignal } from './wait-for-signal.js';
import { TargetLabDriver, type LabDriver, type LabListing } from './lab-target-driver.js';
import { engineLabDriver } from './lab-engine-driver.js';

export const labUsage = `
Labs (the workshop labs: guided, checked live, solvable):
  thingbench lab list [--json]            the labs, with your progress
  thingbench lab start N|SLUG [--fresh]   set up the lab's starting state; prints the guide's environment
  thingbench lab env N                    the guide's environment as export lines: eval "$(thingbench lab env 1)"
  thingbench lab check N [--watch] [--json]  each check done (✓) or missing (✗) with why, and a hint;
                                          --watch re-checks as things change until all are done (or Ctrl-C)
  thingbench lab solve N                  run the lab's reference solution
  thingbench lab reset N                  remove everything the lab made
  thingbench lab fault N KIND [--for 60s] [--devices A,B] [fault options]
                                          break the lab's running devices on purpose (all of them, or those named):
                                          the faults of thingbench devices fault (partition --for 60s cuts the uplink)
  Each takes --target NAME (run the lab against a target: another Thingbench, AWS), --attendee NAME (whose
  resources: default $THINGBENCH_ATTENDEE, which lab env sets, else your user name) and --data-dir DIR (default: ${defaultDataDir()}). Without --target the
  commands drive the Thingbench running on the data directory (start it first: npm start or thingbench up).
  Your own labs: in DATA-DIR/labs/ (read at every lab list), or --labs DIR (repeatable, or DIR${path.delimiter}DIR; for
  a Thingbench that is running, give --labs to thingbench up or serve). lab list says where each lab comes from.
  Exit 0: done (check: all done); 1: not (check: some missing); 2: bad input.
`;

class UsageError extends Error {}

const SUBCOMMANDS = ['list', 'start', 'env', 'check', 'solve', 'reset', 'fault'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

export async function labCommand(argv: string[]): Promise<number> {
  let driver: LabDriver | undefined;
  try {
    const parsed = parse(argv);
    if (parsed === 'help') {
      process.stdout.write(labUsage.trimStart());
      return 0;
    }
    const { sub, ref, values, fault } = parsed;
    const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
    // The guide's environment names its attendee, so a guide's own lab commands act on that attendee's run.
    const attendee = values.attendee ?? process.env.THINGBENCH_ATTENDEE;
    const labDirs = labDirList(values.labs);
    if (attendee !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/.test(attendee)) throw new UsageError(`--attendee must be 1 to 32 letters, digits, dots, dashes or underscores, not '${attendee}'`);
    if (values.target !== undefined) {
      const target = await openTarget(values.target, { dataDir, logger: streamLogger(process.stderr, 'warn') });
      driver = new TargetLabDriver(target, { dataDir, attendee, labDirs });
    } else {
      driver = await engineLabDriver({ dataDir, attendee, labDirs, needsRunning: sub === 'start' || sub === 'solve' || sub === 'fault', logger: streamLogger(process.stderr, 'warn') });
    }
    return await run(driver, sub, ref, values, fault);
  } catch (e) {
    const code = exitCode(e);
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`thingbench lab: ${message}\n${e instanceof UsageError ? `Run 'thingbench lab --help' for usage.\n` : ''}`);
    return code;
  } finally {
    await driver?.close().catch(() => undefined);
  }
}

interface Values {
  target?: string;
  attendee?: string;
  'data-dir'?: string;
  json?: boolean;
  watch?: boolean;
  fresh?: boolean;
  labs?: string[];
  devices?: string[];
}

const LAB_OPTIONS = {
  target: { type: 'string' }, attendee: { type: 'string' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' },
  watch: { type: 'boolean' }, fresh: { type: 'boolean' }, labs: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' },
  devices: { type: 'string', multiple: true },
} as const;
const OWN = new Set(Object.keys(LAB_OPTIONS));

function parse(argv: string[]): 'help' | { sub: Sub; ref: string; values: Values; fault?: FaultSpec } {
  let parsed;
  try {
    parsed = parseArgs({ args: negativeOffsets(argv), allowPositionals: true, strict: true, options: { ...LAB_OPTIONS, ...faultKindOptions } });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals[0] === 'fault') return parseFault(positionals, values);
  const [sub, ref, extra] = positionals;
  const stray = Object.keys(values).find((k) => !OWN.has(k) || k === 'devices');
  if (stray) throw new UsageError(`--${stray} belongs to lab fault, not lab ${sub ?? ''}`.trimEnd());
  if (sub === undefined) throw new UsageError(`lab needs a command: ${SUBCOMMANDS.join(', ')}`);
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) throw new UsageError(`unknown lab command '${sub}' (${SUBCOMMANDS.join(', ')})`);
  const s = sub as Sub;
  if (s === 'list') {
    if (ref !== undefined) throw new UsageError(`unexpected argument '${ref}'`);
  } else {
    if (ref === undefined) throw new UsageError(`lab ${s} needs a lab: its number or its slug (thingbench lab list shows them)`);
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  }
  const allowed: Record<Sub, Array<keyof Values>> = { list: ['json'], start: ['fresh'], env: [], check: ['watch', 'json'], solve: [], reset: [], fault: ['json'] };
  for (const flag of ['json', 'watch', 'fresh'] as const) {
    if (values[flag] && !allowed[s].includes(flag)) throw new UsageError(`--${flag} does not belong to lab ${s}`);
  }
  return { sub: s, ref: ref ?? '', values };
}

/** `lab fault N KIND [options]`: the fault checked here, the devices as a comma list (`--devices a,b`, repeatable). */
function parseFault(positionals: string[], values: Record<string, unknown>): { sub: Sub; ref: string; values: Values; fault: FaultSpec } {
  const [, ref, kind, extra] = positionals;
  if (ref === undefined) throw new UsageError('lab fault needs a lab (its number or its slug) and a fault kind, like: lab fault 15 partition --for 60s');
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  for (const flag of ['watch', 'fresh'] as const) if (values[flag]) throw new UsageError(`--${flag} does not belong to lab fault`);
  let fault: FaultSpec;
  try {
    fault = faultFromArgs(kind, values, OWN, 'lab fault');
  } catch (e) {
    if (e instanceof FaultUsageError) throw new UsageError(e.message);
    throw e;
  }
  const devices = (values.devices as string[] | undefined)?.flatMap((d) => d.split(',')).map((d) => d.trim());
  if (devices?.some((d) => !d)) throw new UsageError('--devices: a comma list of thing names or client ids, like meter-1,meter-2');
  return { sub: 'fault', ref, values: { ...(values as Values), ...(devices ? { devices } : {}) }, fault };
}

/** 2 for bad input (usage, an unknown lab or target, a broken lab file), 1 otherwise. */
function exitCode(e: unknown): 1 | 2 {
  if (e instanceof UsageError) return 2;
  const err = e as { code?: string; details?: { reason?: string } };
  if (err?.details?.reason === 'UnknownLab' || err?.details?.reason === 'UnknownTarget') return 2;
  if (e instanceof EngineError) return targetExitCode(e);
  if (err?.code === 'InvalidInput') return 2;
  return 1;
}

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

async function run(driver: LabDriver, sub: Sub, ref: string, values: Values, fault?: FaultSpec): Promise<number> {
  switch (sub) {
    case 'fault':
      return faultLab(driver, ref, fault!, values);
    case 'list': {
      const labs = await driver.list();
      if (values.json) for (const l of labs) out(JSON.stringify(l));
      else out(listText(labs));
      return 0;
    }
    case 'env':
      out(envExports(await driver.env(ref)));
      return 0;
    case 'start': {
      const started = await driver.start(ref, { fresh: values.fresh, progress: (line) => process.stderr.write(`${line}\n`) });
      if (started.removed.length) process.stderr.write(`Removed what an earlier run left: ${started.removed.join(', ')}\n`);
      process.stderr.write(`Lab ${ref} started on ${driver.where}. The guide's environment (also: eval "$(thingbench lab env ${ref})"):\n`);
      out(envExports(started.env));
      if (started.devices) {
        // On a target the lab's devices run in this process: keep them until Ctrl-C.
        process.stderr.write(`The lab's devices (${started.devices.names.join(', ')}) run here until Ctrl-C.\n`);
        await waitForSignal();
        await started.devices.stop();
      }
      return 0;
    }
    case 'check':
      return values.watch ? watch(driver, ref, values.json === true) : check(driver, ref, values.json === true);
    case 'solve': {
      process.stderr.write(`Solving lab ${ref} on ${driver.where}…\n`);
      const solved = await driver.solve(ref, (line) => process.stderr.write(`${line}\n`));
      if (!solved.passed) {
        process.stderr.write(`thingbench lab: the solution of lab ${ref} did not finish: ${solved.message ?? 'a step failed'}\n`);
        return 1;
      }
      out(`Lab ${ref} solved; thingbench lab check ${ref} shows the checks.`);
      return 0;
    }
    case 'reset': {
      const r = await driver.reset(ref);
      out(r.removed.length ? `Removed ${r.removed.length}: ${r.removed.join(', ')}` : 'Nothing to remove.');
      for (const e of r.errors) process.stderr.write(`thingbench lab: ${e}\n`);
      return r.errors.length ? 1 : 0;
    }
  }
}

async function faultLab(driver: LabDriver, ref: string, fault: FaultSpec, values: Values): Promise<number> {
  const r = await driver.fault(ref, fault, values.devices);
  if (values.json) out(JSON.stringify(r));
  else out(`${r.kind}: applied to ${r.applied} of ${r.targeted} device${r.targeted === 1 ? '' : 's'} of lab ${ref}${r.applied < r.targeted ? `; ${r.targeted - r.applied} were stopped or not connected` : ''}`);
  return r.targeted > 0 && r.applied === 0 ? 1 : 0;
}

async function check(driver: LabDriver, ref: string, json: boolean): Promise<number> {
  const report = await driver.check(ref);
  out(json ? JSON.stringify(report) : reportText(report));
  return report.complete ? 0 : 1;
}

async function watch(driver: LabDriver, ref: string, json: boolean): Promise<number> {
  let last: CheckReport | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const w = await driver.watch(ref, (report) => {
    last = report;
    out(json ? JSON.stringify(report) : reportText(report, true));
    if (report.complete) finish();
  }, (e) => process.stderr.write(`thingbench lab: a check round failed: ${e.message}\n`));
  const onSigint = () => finish();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    await finished;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await w.stop();
  }
  return last?.complete ? 0 : 1;
}

const MARKS: Record<string, string> = { done: '✓', missing: '✗', waiting: '…', skipped: '–' };

export function reportText(r: CheckReport, timed = false): string {
  const time = timed ? `${new Date(r.checkedAt).toLocaleTimeString()}  ` : '';
  const lines = [`${time}Lab ${r.lab} (${r.slug}) for ${r.attendee} on ${r.target}: ${r.done}/${r.total} done${r.complete ? ', all done' : ''}`];
  for (const c of r.checks) {
    lines.push(`  ${MARKS[c.status] ?? '?'} ${c.title}${c.status === 'done' ? '' : ` (${c.status}): ${c.reason}`}`);
  }
  const first = r.checks.find((c) => c.hint);
  if (first?.hint) lines.push(`  Hint: ${first.hint}`);
  return lines.join('\n');
}

function listText(labs: LabListing[]): string {
  if (!labs.length) return 'No labs.';
  return labs.map((l) => {
    if (l.broken !== undefined) {
      return `${String(l.id).padStart(2)}  ${l.slug.padEnd(28)} ${'broken'.padEnd(8)} your lab in ${l.dir} does not load:\n${l.broken.split('\n').map((line) => `    ${line}`).join('\n')}`;
    }
    const p = l.progress;
    const state = !p ? 'not started' : p.finishedAt ? `done${p.solvedAt ? ' (solved)' : ''}` : `${p.done}/${p.total} checks done`;
    const from = l.source === 'user' ? `\n    your lab: ${l.dir}` : '';
    return `${String(l.id).padStart(2)}  ${l.slug.padEnd(28)} ${`${l.minutes} min`.padEnd(8)} ${state}\n    ${l.title}: ${l.summary}${from}`;
  }).join('\n');
}
