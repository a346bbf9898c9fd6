import type { DeviceContext, FieldSpec } from './types.js';

/** Rows of a replay file (CSV with header, or JSON lines), keyed by the `file` a `replay` field names. */
export type ReplayData = ReadonlyMap<string, readonly Record<string, unknown>[]>;

export interface SamplerOptions {
  /** Virtual time (ms) the run started at; waves, ramps, decays and routes use `t - startTime`. Default: first `t`. */
  startTime?: number;
  /** Rows for `replay` fields (see `readReplayFiles`). */
  replay?: ReplayData;
  /** Extra names expressions may read (`shadow`, `state`, `request`), looked up after the message's own fields. */
  scope?: Record<string, unknown>;
}

/**
 * Samples one message's fields for one device. Stateful (counters, walks, static values), deterministic: the same
 * model, device context, seed and sequence of `t` give the same values. Never reads the wall clock.
 */
export interface FieldSampler {
  /** The payload object at virtual time `t` (ms since the epoch of the virtual clock). */
  sample(t: number, scope?: Record<string, unknown>): Record<string, unknown>;
}

export type FieldSpecs = Record<string, FieldSpec>;
export type { DeviceContext };
