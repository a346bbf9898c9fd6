// The fleet benchmark's figures for one run, and whether the run held: its rate, every message acknowledged, every
// message delivered to the subscriber, no device reconnecting.
import type { BrokerKind } from '../lib/brokers.js';
import { fmtNum } from '../lib/report.js';

/** A window's publish, ack and delivery rates must each reach this share of the offered rate. */
export const HOLD_SHARE = 0.97;

export interface RunResult {
  broker: BrokerKind;
  devices: number;
  seconds: number;
  held: boolean;
  /** Why the run did not hold (empty when it held). */
  reasons: string[];
  error?: string;
  connect_s?: number;
  connects_per_s?: number;
  reconnects?: number;
  /** Reconnects before every device was online (CONNACKs slower than the devices' 10 s connect timeout). */
  reconnects_connecting?: number;
  /** CPU the broker and the fleet used from the fleet's start until every device was online, per device. */
  broker_cpu_ms_per_connect?: number;
  fleet_cpu_ms_per_connect?: number;
  offered_per_s: number;
  published_per_s?: number;
  acked_per_s?: number;
  delivered_per_s?: number;
  published?: number;
  acked?: number;
  delivered_unique?: number;
  missing?: number;
  duplicates?: number;
  buffered?: number;
  dropped?: number;
  latency_ms?: { p50: number; p99: number; max: number };
  broker_cpu_idle_pct?: number;
  broker_cpu_pct?: number;
  broker_rss_idle_mb?: number;
  broker_rss_mb?: number;
  fleet_cpu_pct?: number;
  fleet_rss_ready_mb?: number;
  fleet_rss_mb?: number;
  subscriber_cpu_pct?: number;
  other_cpu_pct?: number;
}

/** Why a finished run did not hold its rate with every message acknowledged and delivered (empty: it held). */
export function verdict(r: RunResult): string[] {
  const out: string[] = [];
  const rate = (label: string, x: number | undefined) => {
    if (x !== undefined && x < HOLD_SHARE * r.offered_per_s) out.push(`${label} ${fmtNum(x)}/s < ${HOLD_SHARE * 100} % of ${fmtNum(r.offered_per_s)}/s`);
  };
  rate('published', r.published_per_s);
  rate('acknowledged', r.acked_per_s);
  rate('delivered', r.delivered_per_s);
  if (r.reconnects) out.push(`${r.reconnects} reconnects`);
  if (r.acked !== undefined && r.published !== undefined && r.acked < r.published) out.push(`${r.published - r.acked} of ${r.published} not acknowledged`);
  if (r.missing) out.push(`${r.missing} of ${r.published} never delivered`);
  if (r.dropped) out.push(`${r.dropped} dropped from offline buffers`);
  return out;
}
