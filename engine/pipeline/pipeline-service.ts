/**
 * The live pipeline diagram: `graph()` on demand, and an `updated` event at most 4 times a second while someone
 * listens, with the counts that changed, and the whole graph when rules, sinks, functions or buckets came, went or
 * changed. It counts nothing itself: every figure is a counter another service keeps (rule metrics and action
 * outcomes, metering, shadow requests, policy denials, sink record counts).
 *
 * LIMITATIONS:
 * - Counts are since the engine started; a replaced rule keeps its metrics but its actions' outcomes start over.
 * - Sinks, functions and buckets are re-read at most once a second, so a new sink may take that long to appear.
 * - Where sinks hand records on (a stream's consumer, a delivery stream's bucket and transform) is drawn, not counted.
 */
import { TypedEmitter, type Clock, type Service } from '../core/index.js';
import type { PipelineGraph, PipelineUpdated, SinkInfo } from '../contract/index.js';
import { buildGraph, structureKey, type PipelineInput, type PipelineShape } from './pipeline-graph.js';

export interface PipelineEvents {
  updated: PipelineUpdated;
}

/** What the diagram reads from the other services (narrow ports, built by the engine). */
export interface PipelineSources {
  clients(): PipelineInput['clients'];
  shadow(): PipelineInput['shadow'];
  rules(): PipelineInput['rules'];
  sinks(): SinkInfo[];
  functions(): string[];
  buckets(): string[];
  defaultFirehoseBucket: string;
  /** True while someone takes the `updated` events (the timer does nothing otherwise). */
  listening(): boolean;
}

const TICK_MS = 250;
/** Ticks between two reads of the sinks, functions and buckets. */
const SLOW_EVERY = 4;

export class PipelineService implements Service {
  readonly name = 'pipeline';
  readonly events = new TypedEmitter<PipelineEvents>();
  private since = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticks = 0;
  private slow: Pick<PipelineInput, 'sinks' | 'functions' | 'buckets'> | null = null;
  private structure = 0;
  private lastKey = '';
  /** What the last event (or graph) said, so the next event carries only changes. */
  private sentEdges = new Map<string, string>();
  private sentNodes = new Map<string, string>();

  constructor(private readonly sources: PipelineSources, private readonly clock: Clock) {}

  async start(): Promise<void> {
    this.since = this.clock.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The whole diagram with every count, read fresh. */
  graph(): PipelineGraph {
    this.slow = this.readSlow();
    const shape = this.shape();
    this.noteStructure(shape);
    return { ...shape, structure: this.structure };
  }

  private readSlow(): Pick<PipelineInput, 'sinks' | 'functions' | 'buckets'> {
    return { sinks: this.sources.sinks(), functions: this.sources.functions(), buckets: this.sources.buckets() };
  }

  private shape(): PipelineShape {
    const s = this.sources;
    this.slow ??= this.readSlow();
    return buildGraph({
      time: this.clock.now(), since: this.since, clients: s.clients(), shadow: s.shadow(), rules: s.rules(), ...this.slow,
      defaultFirehoseBucket: s.defaultFirehoseBucket,
    });
  }

  /** True when the structure changed since the last look. */
  private noteStructure(shape: PipelineShape): boolean {
    const key = structureKey(shape);
    if (key === this.lastKey) return false;
    this.lastKey = key;
    this.structure++;
    return true;
  }

  private tick(): void {
    if (!this.sources.listening()) return;
    if (this.ticks++ % SLOW_EVERY === 0) this.slow = this.readSlow();
    const shape = this.shape();
    const changed = this.noteStructure(shape);
    const update: PipelineUpdated = { time: shape.time, structure: this.structure, edges: {}, nodes: {} };
    let any = changed;
    const edges = new Map<string, string>();
    for (const e of shape.edges) {
      const sig = `${e.messages}/${e.errors}`;
      edges.set(e.id, sig);
      if (this.sentEdges.get(e.id) !== sig) {
        update.edges[e.id] = [e.messages, e.errors];
        any = true;
      }
    }
    const nodes = new Map<string, string>();
    for (const n of shape.nodes) {
      if (!n.counts) continue;
      const sig = JSON.stringify(n.counts);
      nodes.set(n.id, sig);
      if (this.sentNodes.get(n.id) !== sig) {
        update.nodes[n.id] = n.counts;
        any = true;
      }
    }
    this.sentEdges = edges;
    this.sentNodes = nodes;
    if (!any) return;
    if (changed) update.graph = { ...shape, structure: this.structure };
    this.events.emit('updated', update);
  }
}
