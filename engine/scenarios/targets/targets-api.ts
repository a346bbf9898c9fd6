/**
 * `targets.*` for the UI: the target profiles of `<dataDir>/targets.json` (the same file as `thingbench target`),
 * with what each kind of target can do from the app and why not; adding, replacing, removing and testing one.
 * The engine itself is the built-in `local` (labs' default); a profile named `local` replaces it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TargetCapabilityInfo, TargetCapabilityName, TargetInfo, TargetProfileInput, TargetTestResult, ThingbenchApi } from '../../contract/index.js';
import { EngineError } from '../../core/index.js';
import { openTarget } from './open-target.js';
import { addProfile, loadProfiles, removeProfile, validateProfile, validateTargetName, flagOf, type TargetProfile } from './profiles.js';

const FILE_FIELDS = ['cert', 'key', 'ca', 'secretAccessKeyFile', 'passwordFile', 'engineDataDir'] as const;
const ENGINE = 'local';

const yes = (reason?: string): TargetCapabilityInfo => (reason ? { ok: true, reason } : { ok: true });
const no = (reason: string): TargetCapabilityInfo => ({ ok: false, reason });

const IN_APP_ONLY = 'The app runs it on this engine only';

/** What each kind of target can do from the app, and why not (the runner's capabilities, in the app's words). */
function capabilities(kind: TargetProfile['kind'], engine: boolean): Record<TargetCapabilityName, TargetCapabilityInfo> {
  if (engine) {
    return { shadows: yes(), rules: yes(), registry: yes(), sinks: yes(), labs: yes(), scenarios: yes(), fleets: yes() };
  }
  const plain = kind === 'mqtt';
  const controlPlane = plain ? no('A plain MQTT broker has no AWS IoT control plane (things, certificates, policies, rules)') : yes();
  return {
    shadows: plain ? no('A plain MQTT broker has no Device Shadow service') : yes(),
    rules: controlPlane,
    registry: controlPlane,
    sinks: kind === 'local' ? yes()
      : no(kind === 'aws' ? 'What AWS rules deliver (queues, tables, streams) is read in the AWS console, not here'
        : plain ? 'A plain MQTT broker has no rules or sinks' : 'Another Thingbench\'s sinks are read in its own app'),
    labs: plain ? no('Labs need Device Shadow and the AWS IoT control plane, which a plain MQTT broker does not have') : yes(),
    scenarios: plain ? yes('Steps that need Device Shadow or the AWS IoT control plane are refused on a plain MQTT broker') : yes(),
    fleets: no(`${IN_APP_ONLY}; thingbench devices start --target NAME starts one there`),
  };
}

/** An access key id shortened: enough to recognise it, not to use it. */
export function shortKey(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…';
}

function describe(name: string, p: TargetProfile, engine: boolean): string {
  if (engine) return 'This engine: the broker, shadows, rules, registry and sinks the app shows';
  switch (p.kind) {
    case 'local': return `A Thingbench engine started for each run${p.engineDataDir ? ` on ${p.engineDataDir}` : ' (fresh data directory)'}`;
    case 'thingbench': return `Another Thingbench: MQTT ${p.mqttUrl}, API ${p.endpoint}`;
    case 'aws': return `AWS IoT Core${p.endpoint ? ` at ${p.endpoint}` : ''}${p.region ? ` in ${p.region}` : ''}, ${p.awsProfile ? `AWS profile ${p.awsProfile}` : 'default AWS credentials'}`;
    case 'mqtt': return `A plain MQTT broker at ${p.mqttUrl}${p.username ? ` as ${p.username}` : ''}`;
  }
  return name;
}

function info(name: string, p: TargetProfile, engine: boolean): TargetInfo {
  const { kind, ...rest } = p;
  const settings: TargetInfo['settings'] = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  if (settings.accessKeyId) settings.accessKeyId = shortKey(settings.accessKeyId);
  return { name, kind, engine, description: describe(name, p, engine), settings, capabilities: capabilities(kind, engine) };
}

/** Files named by a profile must be absolute and readable now, so a typo shows when it is saved, not at a run. */
function checkFiles(name: string, p: TargetProfileInput): void {
  for (const field of FILE_FIELDS) {
    const file = p[field];
    if (file === undefined) continue;
    if (!path.isAbsolute(file)) throw new EngineError('InvalidInput', `target '${name}': ${flagOf(field)} must be an absolute path, not '${file}'`);
    if (field === 'engineDataDir') continue; // made when the engine starts
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch {
      throw new EngineError('InvalidInput', `target '${name}': ${flagOf(field)} ${file} cannot be read`);
    }
  }
}

export function targetsApi(dataDir: string): ThingbenchApi['targets'] {
  const list = (): TargetInfo[] => {
    const profiles = loadProfiles(dataDir);
    const rows = [...profiles].map(([n, p]) => info(n, p, false));
    if (!profiles.has(ENGINE)) rows.unshift(info(ENGINE, { kind: 'local' }, true));
    return rows;
  };
  return {
    list: async () => list(),
    put: async (name, input) => {
      validateTargetName(name);
      const existing = loadProfiles(dataDir).get(name);
      // A shortened key id sent back unchanged keeps the stored one.
      const profile = { ...input } as TargetProfile;
      if (existing?.accessKeyId && profile.accessKeyId === shortKey(existing.accessKeyId)) profile.accessKeyId = existing.accessKeyId;
      for (const [k, v] of Object.entries(profile)) if (v === '') delete (profile as unknown as Record<string, unknown>)[k];
      validateProfile(name, profile);
      checkFiles(name, profile);
      addProfile(dataDir, name, profile, { replace: true });
      return list().find((t) => t.name === name)!;
    },
    delete: async (name) => {
      if (name === ENGINE && !loadProfiles(dataDir).has(ENGINE)) throw new EngineError('InvalidInput', 'the engine itself (local) cannot be removed');
      removeProfile(dataDir, name);
    },
    test: async (name): Promise<TargetTestResult> => {
      const started = Date.now();
      if (name === ENGINE && !loadProfiles(dataDir).has(ENGINE)) return { name, ok: true, message: 'This engine is running: the app is connected to it.', ms: 0 };
      try {
        const target = await openTarget(name, { dataDir, probe: true });
        await target.close();
        const what = target.kind === 'mqtt' ? 'its MQTT endpoint answered and accepted the login'
          : target.kind === 'local' ? 'a local engine started and stopped'
            : 'its MQTT endpoint and its API answered, and its keys were accepted';
        return { name, ok: true, message: `Connected: ${what}.`, ms: Date.now() - started };
      } catch (e) {
        if (e instanceof EngineError && e.code === 'NotFound') throw e;
        return { name, ok: false, message: (e as Error).message, ms: Date.now() - started };
      }
    },
  };
}
