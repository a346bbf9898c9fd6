/**
 * Target profiles: `<data dir>/targets.json`, owner-only (0600), written atomically (a temporary file renamed over
 * the old one). Profiles hold file paths, environment variable names and AWS profile names, never PEM text or a
 * secret: a secret stays in its file or variable and is read when the target opens.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../core/index.js';
import type { TargetProfileInput } from '../../contract/index.js';
import type { TargetKind } from './target.js';

export const TARGET_KINDS: readonly TargetKind[] = ['local', 'thingbench', 'aws', 'mqtt'];
export const PROFILES_FILE = 'targets.json';

/** A saved target (the contract's `TargetProfileInput`). Which fields apply depends on `kind` (see `validateProfile`). */
export type TargetProfile = TargetProfileInput;

const FIELDS: Record<TargetKind, ReadonlyArray<keyof TargetProfile>> = {
  local: ['engineDataDir', 'brokerMode'],
  thingbench: ['mqttUrl', 'endpoint', 'region', 'cert', 'key', 'ca', 'accessKeyId', 'secretAccessKeyFile', 'secretAccessKeyEnv'],
  aws: ['endpoint', 'controlEndpoint', 'region', 'cert', 'key', 'ca', 'awsProfile'],
  mqtt: ['mqttUrl', 'cert', 'key', 'ca', 'username', 'passwordFile', 'passwordEnv'],
};

/** The option spelling of a profile field, for messages (`secretAccessKeyFile` → `--secret-access-key-file`). */
export const flagOf = (field: string) => `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function validateTargetName(name: string): void {
  if (!NAME.test(name)) throw new EngineError('InvalidInput', `a target name is 1 to 64 letters, digits, '.', '_' or '-' (starting with a letter or digit), not '${name}'`);
}

/** Checks a profile's fields for its kind; throws one sentence naming the first problem. */
export function validateProfile(name: string, p: TargetProfile): void {
  validateTargetName(name);
  if (!TARGET_KINDS.includes(p.kind)) throw new EngineError('InvalidInput', `target '${name}': the kind must be one of ${TARGET_KINDS.join(', ')}, not '${String(p.kind)}'`);
  const allowed = new Set<string>(['kind', ...FIELDS[p.kind]]);
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined) continue;
    if (!allowed.has(k)) throw new EngineError('InvalidInput', `target '${name}': ${flagOf(k)} does not apply to a ${p.kind} target`);
    if (typeof v !== 'string' || !v) throw new EngineError('InvalidInput', `target '${name}': ${flagOf(k)} must be a non-empty string`);
  }
  const need = (field: keyof TargetProfile, why: string) => {
    if (!p[field]) throw new EngineError('InvalidInput', `target '${name}': ${p.kind === 'aws' ? 'an' : 'a'} ${p.kind} target needs ${flagOf(field)} (${why})`);
  };
  if (p.mqttUrl) checkMqttUrl(p.mqttUrl, `target '${name}': --mqtt-url`);
  if (p.brokerMode && p.brokerMode !== 'aws' && p.brokerMode !== 'standard') throw new EngineError('InvalidInput', `target '${name}': --broker-mode must be aws or standard`);
  if ((p.cert === undefined) !== (p.key === undefined)) throw new EngineError('InvalidInput', `target '${name}': --cert and --key go together`);
  if (p.secretAccessKeyFile && p.secretAccessKeyEnv) throw new EngineError('InvalidInput', `target '${name}': give the secret access key with --secret-access-key-file or --secret-access-key-env, not both`);
  if (p.passwordFile && p.passwordEnv) throw new EngineError('InvalidInput', `target '${name}': give the password with --password-file or --password-env, not both`);
  if ((p.passwordFile || p.passwordEnv) && !p.username) throw new EngineError('InvalidInput', `target '${name}': a password needs --username`);
  switch (p.kind) {
    case 'thingbench':
      need('mqttUrl', "its MQTT endpoint, e.g. mqtts://trainer.local:8883");
      need('endpoint', "its HTTP API, e.g. http://trainer.local:8080");
      checkHttpUrl(p.endpoint!, `target '${name}': --endpoint`);
      if (/^(mqtts|wss):/.test(p.mqttUrl!)) need('cert', 'the device certificate it issued, for mutual TLS');
      if (p.accessKeyId && !p.secretAccessKeyFile && !p.secretAccessKeyEnv) throw new EngineError('InvalidInput', `target '${name}': --access-key-id needs its secret, from --secret-access-key-file FILE or --secret-access-key-env VARIABLE`);
      if (!p.accessKeyId && (p.secretAccessKeyFile || p.secretAccessKeyEnv)) need('accessKeyId', 'the key id the secret belongs to');
      break;
    case 'aws':
      need('cert', 'a device certificate AWS IoT Core knows, for mutual TLS');
      if (p.endpoint && !/^[A-Za-z0-9.-]+(:\d+)?$/.test(p.endpoint.replace(/^https?:\/\//, '').replace(/\/$/, ''))) {
        throw new EngineError('InvalidInput', `target '${name}': --endpoint must be the ATS endpoint host, like abc123-ats.iot.us-east-1.amazonaws.com, not '${p.endpoint}'`);
      }
      if (p.controlEndpoint) checkHttpUrl(p.controlEndpoint, `target '${name}': --control-endpoint`);
      if (p.region && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(p.region)) throw new EngineError('InvalidInput', `target '${name}': --region must be an AWS region like eu-west-1, not '${p.region}'`);
      break;
    case 'mqtt':
      need('mqttUrl', 'the broker, e.g. mqtt://broker.local:1883');
      break;
    case 'local':
      break;
  }
  if (p.cert && !p.mqttUrl && p.kind !== 'aws') throw new EngineError('InvalidInput', `target '${name}': --cert is for an mqtts:// or wss:// --mqtt-url`);
  if (p.mqttUrl && !/^(mqtts|wss):/.test(p.mqttUrl) && (p.cert || p.ca)) throw new EngineError('InvalidInput', `target '${name}': --cert, --key and --ca are for mqtts:// and wss:// URLs, not ${p.mqttUrl}`);
}

export function checkMqttUrl(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EngineError('InvalidInput', `${what} must be a URL like mqtt://host:1883, not '${raw}'`);
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(url.protocol)) throw new EngineError('InvalidInput', `${what} must use mqtt://, mqtts://, ws:// or wss://, not '${url.protocol}//'`);
  if (url.username || url.password) throw new EngineError('InvalidInput', `${what} must not carry a login: use --username and --password-file or --password-env`);
  return url;
}

function checkHttpUrl(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EngineError('InvalidInput', `${what} must be a URL like http://host:8080, not '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EngineError('InvalidInput', `${what} must use http:// or https://, not '${url.protocol}//'`);
  return url;
}

/** The profiles in `<dataDir>/targets.json` (none when the file does not exist). */
export function loadProfiles(dataDir: string): Map<string, TargetProfile> {
  const { file, targets } = readProfilesFile(dataDir);
  const out = new Map<string, TargetProfile>();
  for (const [name, p] of Object.entries(targets)) {
    try {
      validateProfile(name, p);
    } catch (e) {
      throw new EngineError('InvalidInput', `${file}: ${(e as Error).message} (fix it, or thingbench target remove ${name})`);
    }
    out.set(name, p);
  }
  return out;
}

/** The file's profiles as they are, unchecked (`remove` works on a profile that no longer validates). */
function readProfilesFile(dataDir: string): { file: string; targets: Record<string, TargetProfile> } {
  const file = path.join(dataDir, PROFILES_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file, targets: {} };
    throw new EngineError('Unavailable', `cannot read the target profiles in ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new EngineError('InvalidInput', `${file} is not valid JSON (${(e as Error).message}); fix or remove it`);
  }
  const targets = (doc as { targets?: unknown })?.targets;
  if (!targets || typeof targets !== 'object' || Array.isArray(targets)) throw new EngineError('InvalidInput', `${file} must hold {"targets": {NAME: {kind, …}}}`);
  return { file, targets: targets as Record<string, TargetProfile> };
}

/** Writes the profiles atomically, readable and writable by the owner only. */
export function saveProfiles(dataDir: string, profiles: Map<string, TargetProfile>): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, PROFILES_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const doc = { targets: Object.fromEntries([...profiles].sort(([a], [b]) => a.localeCompare(b))) };
  try {
    fs.writeFileSync(tmp, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
    fs.chmodSync(tmp, 0o600); // a umask cannot widen it, but an earlier leftover could have other bits
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new EngineError('Unavailable', `cannot write the target profiles to ${file}: ${(e as Error).message}`);
  }
}

/** Adds (or, with `replace`, replaces) a profile. */
export function addProfile(dataDir: string, name: string, profile: TargetProfile, opts: { replace?: boolean } = {}): void {
  validateProfile(name, profile);
  const profiles = loadProfiles(dataDir);
  if (profiles.has(name) && !opts.replace) throw new EngineError('AlreadyExists', `a target named '${name}' already exists (remove it first, or add with --replace)`);
  profiles.set(name, Object.fromEntries(Object.entries(profile).filter(([, v]) => v !== undefined)) as unknown as TargetProfile);
  saveProfiles(dataDir, profiles);
}

export function removeProfile(dataDir: string, name: string): void {
  const { targets } = readProfilesFile(dataDir);
  const names = Object.keys(targets);
  if (!Object.hasOwn(targets, name)) throw new EngineError('NotFound', `no target named '${name}'${names.length ? ` (targets: ${names.join(', ')})` : ''}`);
  delete targets[name];
  saveProfiles(dataDir, new Map(Object.entries(targets)));
}
