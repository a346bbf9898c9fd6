// The running engine's own reports: its info, metering and cost, log and pipeline counts.
import type { CostReport } from '../cost-types.js';
import type { PipelineGraph } from '../pipeline-types.js';
import type { EngineInfo, LogQuery, LogRecord, UsageReport } from '../types.js';

export interface EngineApi {
  /** Version, broker mode, endpoints and data directory of the running engine. */
  info(): Promise<EngineInfo>;
}

export interface MeteringApi {
  usage(): Promise<UsageReport>;
  /**
   * What the traffic since the start would cost at AWS list prices (the shipped us-east-1 table, with its date and
   * sources): per service, topic, rule and device, with a monthly projection at the rate of the last 5 minutes.
   */
  cost(): Promise<CostReport>;
}

export interface LogsApi {
  /** The engine's recent log, oldest first: the newest `limit` (a number, or `query.limit`) entries that match the query. */
  recent(query?: LogQuery | number): Promise<LogRecord[]>;
}

/** The live pipeline diagram: clients → broker → rules → actions → sinks and functions; `pipeline.updated` follows. */
export interface PipelineApi {
  /** Every node and edge with its counts since the engine started. */
  graph(): Promise<PipelineGraph>;
}
