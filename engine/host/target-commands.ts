import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { defaultDataDir } from '../config.js';
import { EngineError, streamLogger } from '../core/index.js';
import {
  addProfile, checkConnect, flagOf, loadProfiles, openTarget, removeProfile, TARGET_KINDS, validateProfile, validateTargetName, type Target, type TargetProfile,
} from '../scenarios/index.js';

export const targetUsage = `
Targets (where devices, recordings, replays and scenarios run):
  thingbench target add NAME --kind local|thingbench|aws|mqtt [options] [--replace]
      thingbench: --mqtt-url URL --endpoint http://HOST:PORT [--cert FILE --key FILE --ca FILE]
                  [--access-key-id ID (--secret-access-key-file FILE | --secret-access-key-env VARIABLE)] [--region R]
      aws:        --cert FILE --key FILE [--ca FILE] [--endpoint ATS-HOST] [--region R] [--aws-profile P]
                  [--control-endpoint URL]
      mqtt:       --mqtt-url URL [--cert FILE --key FILE] [--ca FILE] [--username U (--password-file FILE | --password-env VARIABLE)]
      local:      [--engine-data-dir DIR] [--broker-mode aws|standard]
      Saves a target profile in DATA-DIR/targets.json (owner-only): file paths, variable and profile names, never
      a certificate's or a secret's content.
  thingbench target list [--json]
  thingbench target remove NAME
  thingbench target check NAME [--client-id ID]
      Opens the target as a run would (connects, checks its keys) and closes it again; with --client-id, also
      connects over MQTT as that client (a device's thing name, say) to check its policy allows it.
  Every target command takes --data-dir DIR (default: ${defaultDataDir()}). The target 'local' always exists: a
  Thingbench engine started for the run on free ports with a fresh data directory, removed afterwards.
`;

class UsageError extends Error {}

/** Files the profile names, made absolute and checked readable now, so a typo is found at `add`, not at a run. */
const FILE_FIELDS = ['cert', 'key', 'ca', 'secretAccessKeyFile', 'passwordFile'] as const;
const PROFILE_FLAGS = [
  'mqtt-url', 'endpoint', 'control-endpoint', 'region', 'cert', 'key', 'ca', 'aws-profile', 'access-key-id', 'secret-access-key-file',
  'secret-access-key-env', 'username', 'password-file', 'password-env', 'engine-data-dir', 'broker-mode',
] as const;

/** `thingbench target …`: exit 0 done, 1 failed, 2 bad input (an unknown target included). */
export async function targetCommand(argv: string[]): Promise<number> {
  try {
    const [sub, ...rest] = argv;
    if (sub === 'add') return addMain(rest);
    if (sub === 'list') return listMain(rest);
    if (sub === 'remove') return removeMain(rest);
    if (sub === 'check') return await checkMain(rest);
    throw new UsageError(sub === undefined ? 'target needs a command: add, list, remove or check' : `unknown target command '${sub}' (add, list, remove, check)`);
  } catch (e) {
    const code = targetExitCode(e);
    process.stderr.write(`thingbench target: ${(e as Error)?.message ?? String(e)}\n${code === 2 && e instanceof UsageError ? targetUsage : ''}`);
    return code;
  }
}

/** 2 for bad input (usage, a bad profile, an unknown target, a name taken), 1 for a failure (unreachable, refused keys or policy). */
export function targetExitCode(e: unknown): 1 | 2 {
  if (e instanceof UsageError) return 2;
  if (e instanceof EngineError && (e.code === 'InvalidInput' || e.code === 'AlreadyExists' || (e.code === 'NotFound' && isUnknownTarget(e)))) return 2;
  return 1;
}

const isUnknownTarget = (e: EngineError) => (e.details as { reason?: string } | undefined)?.reason === 'UnknownTarget' || /^no target named /.test(e.message);

function addMain(argv: string[]): number {
  const options: ParseArgsConfig['options'] = { kind: { type: 'string' }, replace: { type: 'boolean' }, 'data-dir': { type: 'string' } };
  for (const f of PROFILE_FLAGS) options[f] = { type: 'string' };
  const { values, positionals } = parse(argv, options);
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument '${positionals[1]}'` : 'target add needs a NAME');
  const name = positionals[0];
  validateTargetName(name);
  const kind = values.kind as string | undefined;
  if (!kind) throw new UsageError(`target add needs --kind (${TARGET_KINDS.join(', ')})`);
  const profile: Record<string, string> = { kind };
  for (const f of PROFILE_FLAGS) {
    const v = values[f] as string | undefined;
    if (v !== undefined) profile[f.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  }
  const p = profile as unknown as TargetProfile;
  validateProfile(name, p);
  for (const field of FILE_FIELDS) {
    const file = p[field];
    if (file === undefined) continue;
    const abs = path.resolve(file);
    try {
      fs.accessSync(abs, fs.constants.R_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new EngineError('InvalidInput', `${flagOf(field)} ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`}`);
    }
    p[field] = abs;
  }
  if (p.engineDataDir) p.engineDataDir = path.resolve(p.engineDataDir);
  const home = dataDir(values);
  addProfile(home, name, p, { replace: values.replace === true });
  process.stderr.write(`target '${name}' (${kind}) saved in ${path.join(home, 'targets.json')}\n`);
  return 0;
}

function listMain(argv: string[]): number {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, 'data-dir': { type: 'string' } });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const profiles = loadProfiles(dataDir(values));
  const rows: Array<[string, TargetProfile, boolean]> = [...profiles].map(([n, p]) => [n, p, false]);
  if (!profiles.has('local')) rows.unshift(['local', { kind: 'local' }, true]);
  if (values.json) {
    for (const [name, p, builtIn] of rows) process.stdout.write(JSON.stringify({ name, ...p, builtIn }) + '\n');
    return 0;
  }
  const width = Math.max(...rows.map(([n]) => n.length));
  for (const [name, p, builtIn] of rows) process.stdout.write(`${name.padEnd(width)}  ${p.kind.padEnd(10)}  ${builtIn ? 'an engine started for each run (fresh data directory, free ports)' : describeProfile(p)}\n`);
  return 0;
}

function describeProfile(p: TargetProfile): string {
  const parts: string[] = [];
  if (p.mqttUrl) parts.push(p.mqttUrl);
  if (p.endpoint) parts.push(p.kind === 'aws' ? `endpoint ${p.endpoint}` : `API ${p.endpoint}`);
  if (p.kind === 'aws') parts.push(p.endpoint ? '' : 'endpoint from DescribeEndpoint', p.region ? `region ${p.region}` : '', p.awsProfile ? `profile ${p.awsProfile}` : 'default credential chain');
  if (p.cert) parts.push(`cert ${p.cert}`);
  if (p.accessKeyId) parts.push(`key ${p.accessKeyId}`);
  if (p.username) parts.push(`user ${p.username}`);
  if (p.engineDataDir) parts.push(`data ${p.engineDataDir}`);
  if (p.brokerMode) parts.push(`${p.brokerMode} mode`);
  return parts.filter(Boolean).join(' · ');
}

function removeMain(argv: string[]): number {
  const { values, positionals } = parse(argv, { 'data-dir': { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument '${positionals[1]}'` : 'target remove needs a NAME');
  removeProfile(dataDir(values), positionals[0]);
  process.stderr.write(`target '${positionals[0]}' removed\n`);
  return 0;
}

async function checkMain(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { 'data-dir': { type: 'string' }, 'client-id': { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument '${positionals[1]}'` : 'target check needs a NAME');
  const target = await openTarget(positionals[0], { dataDir: dataDir(values) });
  try {
    const clientId = values['client-id'] as string | undefined;
    if (clientId !== undefined) await checkConnect(target, clientId);
    const caps = Object.entries(target.capabilities).filter(([, v]) => v).map(([k]) => k);
    process.stdout.write(`target '${target.name}' (${target.kind}) is reachable: MQTT ${target.mqtt().url}${target.aws?.endpoint ? `, API ${target.aws.endpoint}` : ''}; `
      + `${caps.length ? `it has ${caps.join(', ')}` : 'publish and subscribe only'}${clientId !== undefined ? `; client id '${clientId}' may connect` : ''}\n`);
  } finally {
    await target.close();
  }
  return 0;
}

function dataDir(values: Record<string, unknown>): string {
  return path.resolve((values['data-dir'] as string | undefined) ?? defaultDataDir());
}

function parse(argv: string[], options: ParseArgsConfig['options']): { values: Record<string, unknown>; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as { values: Record<string, unknown>; positionals: string[] };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * `--target NAME` for a command (`devices start`, `record`, `replay`, `run`): opens the target, or throws what
 * `targetExitCode` turns into exit 2 (an unknown target, a bad profile) or 1 (unreachable, refused keys).
 * `conflicts` are the command's own endpoint flags, which a target replaces.
 */
export async function openTargetOption(values: Record<string, unknown>, conflicts: readonly string[] = []): Promise<Target | undefined> {
  const name = values.target as string | undefined;
  if (name === undefined) return undefined;
  for (const f of conflicts) if (values[f] !== undefined) throw new EngineError('InvalidInput', `--target and --${f} do not go together: the target says where to connect`);
  // A local target's engine warns on stderr, as `thingbench up` does (JSON lines with --json).
  return openTarget(name, { dataDir: dataDir(values), logger: streamLogger(process.stderr, 'warn', values.json === true) });
}
