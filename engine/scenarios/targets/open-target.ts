import { defaultDataDir } from '../../config.js';
import { EngineError } from '../../core/index.js';
import { openAwsTarget } from './aws-target.js';
import { openLocalTarget, type LocalTargetOptions } from './local-target.js';
import { loadProfiles, type TargetProfile } from './profiles.js';
import { openMqttTarget, openThingbenchTarget } from './remote-targets.js';
import type { Target, TargetCapabilities } from './target.js';

export interface OpenTargetOptions extends LocalTargetOptions {
  /** The Thingbench data directory whose `targets.json` names the targets (default: the platform's data directory). */
  dataDir?: string;
  /** Remote targets: connect to their endpoints and check their keys before returning (default true). */
  probe?: boolean;
}

/**
 * Opens a target by its profile's name; `undefined` (and `local`, unless a profile of that name exists) is a local
 * engine started for the run. Fails with one sentence: an unknown name (`NotFound`), a bad profile or missing file
 * (`InvalidInput`), refused keys (`Unauthorized`), an endpoint that cannot be reached (`Unavailable`).
 */
export async function openTarget(name: string | undefined, opts: OpenTargetOptions = {}): Promise<Target> {
  const profiles = loadProfiles(opts.dataDir ?? defaultDataDir());
  const targetName = name ?? 'local';
  const profile: TargetProfile | undefined = profiles.get(targetName);
  if (!profile) {
    if (targetName === 'local') return openLocalTarget('local', undefined, opts);
    const known = ['local', ...profiles.keys()];
    throw new EngineError('NotFound', `unknown target '${targetName}': the targets are ${known.join(', ')} (thingbench target add NAME --kind … makes one)`, { reason: 'UnknownTarget' });
  }
  switch (profile.kind) {
    case 'local':
      return openLocalTarget(targetName, profile, opts);
    case 'thingbench':
      return openThingbenchTarget(targetName, profile, opts);
    case 'aws':
      return openAwsTarget(targetName, profile, opts);
    case 'mqtt':
      return openMqttTarget(targetName, profile, opts);
  }
}

const KIND_TEXT: Record<Target['kind'], string> = { local: 'a local engine', thingbench: 'another Thingbench', aws: 'AWS IoT Core', mqtt: 'a plain MQTT broker' };
const CAPABILITY_TEXT: Record<keyof TargetCapabilities, string> = {
  shadows: 'Device Shadow', controlPlane: 'an AWS IoT control plane (things, certificates, policies, rules)',
  sinks: 'readable sinks (notifications, queues, streams, tables, logs)', engineRestart: 'an engine it can restart',
};

/**
 * The sentence that refuses `what` on `target` when it lacks one of `needs`, or undefined when it has them all:
 * `devices start` with a shadow model on a plain broker is refused before anything connects.
 */
export function missingCapability(target: Pick<Target, 'name' | 'kind' | 'capabilities'>, needs: ReadonlyArray<keyof TargetCapabilities>, what: string): string | undefined {
  const missing = needs.find((c) => !target.capabilities[c]);
  if (!missing) return undefined;
  return `${what} needs ${CAPABILITY_TEXT[missing]}, which the target '${target.name}' (${KIND_TEXT[target.kind]}) does not have`;
}

/** Throws `missingCapability`'s sentence as an `InvalidInput` EngineError. */
export function requireCapabilities(target: Pick<Target, 'name' | 'kind' | 'capabilities'>, needs: ReadonlyArray<keyof TargetCapabilities>, what: string): void {
  const text = missingCapability(target, needs, what);
  if (text) throw new EngineError('InvalidInput', text, { reason: 'MissingCapability' });
}

/** The target's MQTT login as MQTT.js options (`username`, `password`), or undefined when it has none. */
export function mqttLogin(m: { username?: string; password?: string }): { username: string; password?: string } | undefined {
  if (m.username === undefined) return undefined;
  return { username: m.username, ...(m.password !== undefined ? { password: m.password } : {}) };
}

/**
 * The URL with the target's MQTT login in it, for a client that takes only a URL. MQTT.js splits a URL's login at its
 * last ':', so a password with a ':' does not survive: prefer `mqttLogin(m)` as connect options.
 */
export function mqttUrlWithLogin(m: { url: string; username?: string; password?: string }): string {
  if (m.username === undefined) return m.url;
  const url = new URL(m.url);
  url.username = encodeURIComponent(m.username);
  if (m.password !== undefined) url.password = encodeURIComponent(m.password);
  return url.toString();
}
