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
  mqttUrl?: string;
  endpoint?: string;
  controlEndpoint?: string;
  region?: string;
  /** Absolute paths of PEM files. */
  cert?: string;
  key?: string;
  ca?: string;
  awsProfile?: string;
  accessKeyId?: string;
  secretAccessKeyFile?: string;
  secretAccessKeyEnv?: string;
  username?: string;
  passwordFile?: string;
  passwordEnv?: string;
  engineDataDir?: string;
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
