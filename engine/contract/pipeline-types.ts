/** The live pipeline diagram: what the engine is doing, as the workshop slides draw it (left to right). */
import type { SinkKind } from './sink-types.js';

export type PipelineNodeKind = 'clients' | 'broker' | 'shadow' | 'rule' | 'action' | 'topic' | 'function' | 'bucket' | 'external' | SinkKind;

/** Columns, left to right: devices and clients, the broker (the shadow service beside it), rules, actions, targets. */
export type PipelineLayer = 0 | 1 | 2 | 3 | 4;

export interface PipelineNode {
  /**
   * Stable while the thing it stands for exists: `clients`, `broker`, `shadow`, `rule:<name>`, `action:<rule>:<index>`
   * (`action:<rule>:error` for the errorAction), `sink:<kind>:<name>`, `function:<name>`, `bucket:<name>`,
   * `topic:<topic>` (a republish target), `external:<action kind>`.
   */
  id: string;
  kind: PipelineNodeKind;
  layer: PipelineLayer;
  label: string;
  /** A second line: a rule's topic filter, an action's kind and target. */
  detail?: string;
  /** Rules and actions: the rule's name. */
  rule?: string;
  /** Actions: the index in the rule's actions (`RuleActionOutcome.index`), -1 for the errorAction. */
  actionIndex?: number;
  /** Sinks: what `sinks.records` takes. */
  sink?: { kind: SinkKind; name: string };
  /** A disabled rule (it evaluates nothing). */
  disabled?: boolean;
  /** A target an action names that does not exist (its writes fail, as on AWS). */
  missing?: boolean;
  /** Node figures: `clients` → `connected`; `shadow` → `requests`, `rejected`; sinks → `records` kept. */
  counts?: Record<string, number>;
}

export interface PipelineEdge {
  /** `<from>→<to>`. */
  id: string;
  from: string;
  to: string;
  /**
   * Messages that went along the edge since the engine started: clients → broker: publishes received; broker →
   * shadow: shadow requests; broker → rule: evaluations; rule → action: matches handed to the action; action →
   * target: writes that succeeded.
   */
  messages: number;
  /**
   * Failures on the edge: clients → broker: policy denials; broker → shadow: rejected requests; broker → rule: SQL
   * errors; rule → action and action → target: failed writes.
   */
  errors: number;
  /** True for structure only (a delivery stream's bucket, a stream's consumer): the engine does not count these. */
  uncounted?: boolean;
}

export interface PipelineGraph {
  /** Epoch ms of this snapshot, and of the engine's start (what the counts are since). */
  time: number;
  since: number;
  /** Increases whenever nodes or edges come or go (rules and sinks created, changed, deleted). */
  structure: number;
  nodes: PipelineNode[];
  edges: PipelineEdge[];
}

/**
 * Pushed at most 4 times a second while counts change: the edges whose counts changed as `[messages, errors]`, the
 * nodes whose figures changed, and the whole graph when its structure changed.
 */
export interface PipelineUpdated {
  time: number;
  structure: number;
  edges: Record<string, [messages: number, errors: number]>;
  nodes: Record<string, Record<string, number>>;
  graph?: PipelineGraph;
}
