/**
 * Target profiles as the UI sees them (`targets.*`): where labs run besides the engine itself (another Thingbench,
 * AWS IoT Core, a plain MQTT broker, a local engine of its own). Profiles hold file paths, variable and AWS profile
 * names, never a certificate's or a secret's content; an access key id is shown shortened.
 */

export type TargetKindName = 'local' | 'thingbench' | 'aws' | 'mqtt';

/** What a person may want to do on a target. */
export type TargetCapabilityName = 'shadows' | 'rules' | 'registry' | 'sinks' | 'labs' | 'scenarios' | 'fleets';

/** A profile's settings as `targets.put` takes them (the `thingbench target add` options, camelCase). */
export interface TargetProfileInput {
  kind: TargetKindName;
  /** MQTT endpoint: mqtt://, mqtts://, ws:// or wss:// (thingbench, mqtt; aws: derived from `endpoint`). */
  mqttUrl?: string;
  /** thingbench: its HTTP API (http://host:port). aws: the ATS data endpoint host (found with DescribeEndpoint when absent). */
  endpoint?: string;
  /** aws: the control plane's endpoint when it is not AWS's regional one (a VPC endpoint, another emulator). */
  controlEndpoint?: string;
  region?: string;
  /** PEM files (absolute paths): the device certificate and key, the CA that signed the server. */
  cert?: string;
  key?: string;
  ca?: string;
  /** aws: the AWS shared-config profile whose credentials and region to use (default: the standard chain). */
  awsProfile?: string;
  /** thingbench: the access key id its `--access-key` accepts; the secret comes from a file or a variable. */
  accessKeyId?: string;
  secretAccessKeyFile?: string;
  secretAccessKeyEnv?: string;
  /** mqtt: login; the password comes from a file or a variable. */
  username?: string;
  passwordFile?: string;
  passwordEnv?: string;
  /** local: the engine's data directory (default: a fresh temporary one per run). */
  engineDataDir?: string;
  /** local: aws (default) or standard. */
  brokerMode?: 'aws' | 'standard';
}

export interface TargetCapabilityInfo {
  ok: boolean;
  /** Why not, in a sentence (or what `ok` means on this target). */
  reason?: string;
}

export interface TargetInfo {
  name: string;
  kind: TargetKindName;
  /** `local` without a profile of that name: the engine this UI is connected to. */
  engine: boolean;
  /** One line: what it is and where. */
  description: string;
  /** The profile's settings, an access key id shortened (`AKIA…WXYZ`); none of them is a secret. */
  settings: Omit<TargetProfileInput, 'kind'>;
  capabilities: Record<TargetCapabilityName, TargetCapabilityInfo>;
}

/** `targets.test`: the target opened as a run would (endpoints reached, keys checked) and closed again. */
export interface TargetTestResult {
  name: string;
  ok: boolean;
  /** What was checked, or why it failed, in a sentence. */
  message: string;
  ms: number;
}
