/**
 * A lab's variables on a target: its names made legal for the attendee (`labNames`), the variables its checks, start
 * steps and solution use (`labVariables`: the names plus `account`, `region`, `attendee`, `lab`, `endpoint`), and the
 * shell environment its guide's commands use (`labEnv`: `$THING`, `$AWS`, `$IOT_ENDPOINT`, `$MQTT_HOST`,
 * `$MQTT_TLS_PORT`, `$MQTT_PORT`, `$WS_PORT`, `$CA_FILE`, `$ACCOUNT`, `$REGION`, `$LAB_DIR`, and, on a Thingbench,
 * the keys the AWS CLI signs with). On AWS, `$CA_FILE` is the target's CA file, or Amazon Root CA 1 (shipped here).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Target } from '../../scenarios/index.js';
import { accountOf } from './account.js';
import { LABS_DIR } from './catalogue.js';
import { resourceName } from './names.js';
import type { Lab } from './types.js';

export interface LabOptions {
  /** Whose names these are (default: the OS user name). */
  attendee?: string;
}

export interface LabEnvOptions extends LabOptions {
  /** The AWS CLI the guide calls (`aws` by default; the tests use `/usr/bin/aws`). */
  awsCli?: string;
  /** The CA file the devices trust; by default the engine's root CA, or the target's CA written to a file. */
  caFile?: string;
}

/** The attendee of this OS user. */
export function defaultAttendee(): string {
  try {
    return userInfo().username || 'attendee';
  } catch {
    return process.env.USER ?? 'attendee';
  }
}

/** `{ THING: 'l01-alice-ratchet', … }`. */
export function labNames(lab: Lab, opts: LabOptions = {}): Record<string, string> {
  const attendee = opts.attendee ?? defaultAttendee();
  return Object.fromEntries(lab.names.map((n) => [n.variable, resourceName(n.kind, n.base, lab.id, attendee)]));
}

interface Endpoints { host: string; mqtt?: number; mqtts?: number; ws?: number; http?: string }

function endpoints(target: Target): Endpoints {
  const port = (t: 'mqtt' | 'mqtts' | 'ws') => {
    try {
      const u = new URL(target.mqtt(t).url);
      return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (t === 'mqtts' ? 8883 : t === 'ws' ? 443 : 1883)) };
    } catch {
      return undefined;
    }
  };
  const mqtts = port('mqtts'), mqtt = port('mqtt'), ws = port('ws');
  return {
    host: mqtts?.host ?? mqtt?.host ?? ws?.host ?? '',
    ...(mqtt ? { mqtt: mqtt.port } : {}), ...(mqtts ? { mqtts: mqtts.port } : {}), ...(ws ? { ws: ws.port } : {}),
    ...(target.aws?.endpoint ? { http: target.aws.endpoint } : {}),
  };
}


/** What `${…}` means in checks, start steps and the solution. */
export function labVariables(lab: Lab, target: Target, opts: LabOptions = {}): Record<string, unknown> {
  const attendee = opts.attendee ?? defaultAttendee();
  const e = endpoints(target);
  return {
    ...labNames(lab, { attendee }),
    account: accountOf(target),
    region: target.aws?.region ?? '',
    attendee,
    lab: lab.id,
    endpoint: { host: e.host, mqtt: e.mqtt ?? null, mqtts: e.mqtts ?? null, ws: e.ws ?? null, http: e.http ?? null },
  };
}

/**
 * Amazon Root CA 1, as AWS publishes it (https://www.amazontrust.com/repository/AmazonRootCA1.pem, SHA-256
 * 8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e): the CA of AWS IoT Core's ATS endpoints, which
 * devices on an AWS target trust when the target names no CA file of its own. Shipped with the labs (`labs/certs/`),
 * a plain file even in the desktop app, so mosquitto and the AWS IoT Device SDK can read it.
 */
export const AMAZON_ROOT_CA_1 = join(LABS_DIR, 'certs', 'AmazonRootCA1.pem');

/** The CA file a device trusts on this target. */
function caFileOf(target: Target, opts: LabEnvOptions): string {
  if (opts.caFile) return opts.caFile;
  if (target.engine) return join(target.engine.config.dataDir, 'security', 'root-ca.pem');
  let pem: string | undefined;
  try {
    pem = target.mqtt('mqtts').tls?.ca;
  } catch {
    pem = undefined;
  }
  if (!pem) return target.kind === 'aws' ? AMAZON_ROOT_CA_1 : '';
  const dir = join(tmpdir(), 'thingbench-labs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${target.name.replace(/[^\w.-]/g, '_')}-ca.pem`);
  writeFileSync(file, pem);
  return file;
}

/** The guide's environment on this target, in the order `lab env` prints it. */
export function labEnv(lab: Lab, target: Target, opts: LabEnvOptions = {}): Record<string, string> {
  const attendee = opts.attendee ?? defaultAttendee();
  const e = endpoints(target);
  const cli = opts.awsCli ?? 'aws';
  const aws = target.aws;
  const env: Record<string, string> = { ...labNames(lab, { attendee }) };
  env.AWS = target.kind === 'aws' ? `${cli}${aws?.profile ? ` --profile ${aws.profile}` : ''}` : `${cli} --endpoint-url ${e.http ?? ''}`;
  env.IOT_ENDPOINT = e.host;
  env.MQTT_HOST = e.host;
  if (e.mqtts !== undefined) env.MQTT_TLS_PORT = String(e.mqtts);
  if (e.mqtt !== undefined) env.MQTT_PORT = String(e.mqtt);
  if (e.ws !== undefined) env.WS_PORT = String(e.ws);
  env.CA_FILE = caFileOf(target, opts);
  const account = accountOf(target);
  if (account) env.ACCOUNT = account;
  env.REGION = aws?.region ?? '';
  env.LAB_DIR = lab.dir;
  // `thingbench lab …` in the guide (lab fault, lab check) acts on this attendee's run.
  env.THINGBENCH_ATTENDEE = attendee;
  // On a Thingbench the CLI signs with the target's keys (loopback accepts any); on AWS, with the attendee's own.
  if (target.kind !== 'aws' && aws && typeof aws.credentials === 'object') {
    env.AWS_ACCESS_KEY_ID = aws.credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = aws.credentials.secretAccessKey;
  }
  if (aws?.region) env.AWS_DEFAULT_REGION = aws.region;
  return env;
}

/** `export NAME='value'` lines a shell evaluates (`eval "$(thingbench lab env 1)"`). */
export function envExports(env: Record<string, string>): string {
  const quote = (v: string) => (/^[\w@%+=:,./-]*$/.test(v) && v !== '' ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  return Object.entries(env).map(([k, v]) => `export ${k}=${quote(v)}`).join('\n');
}
