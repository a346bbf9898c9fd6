import type { StepCall } from '../steps/step.js';

/** A virtual device or fleet a scenario declares under `devices:`. */
export interface DeviceDecl {
  name: string;
  /** A built-in or custom model name, or a model file (relative to the scenario file). */
  model: string;
  /** 1: one device in this process; more: a fleet. */
  count: number;
  /** Default: derived from the run's seed and the device's name. */
  seed?: number;
  transport?: 'mqtt' | 'mqtts' | 'ws';
  /** Replaces the model's `identity.thingName` template; `${…}` run variables are interpolated when it starts. */
  thingName?: string;
  where: string;
}

/** A loaded, checked scenario file (and, for the file that is run, every file it includes). */
export interface Scenario {
  file: string;
  name: string;
  description?: string;
  /** A target profile name. */
  target?: string;
  seed?: number;
  /** Devices schedule on a virtual clock that moves only while steps wait. */
  deterministic?: boolean;
  /** The whole run's limit in ms, cleanup excluded. */
  timeoutMs?: number;
  variables: Record<string, unknown>;
  devices: DeviceDecl[];
  steps: StepCall[];
  cleanup: StepCall[];
  /** Every file an `include` step reaches, by absolute path (shared by the whole include tree). */
  includes: Map<string, Scenario>;
}
