/** The price table shipped with the engine: `prices/aws-us-east-1.json`, dated, with the AWS pages it comes from. */
import fs from 'node:fs';
import type { PriceInfo, PriceTableInfo } from '../contract/index.js';

export const PRICE_TABLE_FILE = new URL('./prices/aws-us-east-1.json', import.meta.url);

/** The price ids the cost computation uses; the table must have every one. */
export const PRICE_IDS = [
  'iot.connectivity', 'iot.messaging', 'iot.shadow', 'iot.registry', 'iot.rulesTriggered', 'iot.actionsExecuted',
  'sns.requests', 'sqs.requests', 'lambda.requests', 'lambda.compute', 'dynamodb.writes', 'dynamodb.reads',
  'kinesis.shardHours', 'kinesis.putUnits', 'firehose.ingestion', 's3.puts', 's3.gets', 'logs.ingestion', 'cloudwatch.requests',
] as const;

export type PriceId = (typeof PRICE_IDS)[number];

export interface PriceTable extends PriceTableInfo {
  byId: ReadonlyMap<string, PriceInfo>;
}

/** Reads and checks a price table (the shipped one by default); throws naming the first problem. */
export function loadPriceTable(file: URL | string = PRICE_TABLE_FILE): PriceTable {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as PriceTableInfo;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(doc.date)) throw new Error(`price table ${String(file)}: date must be YYYY-MM-DD`);
  if (!Array.isArray(doc.sources) || !doc.sources.length) throw new Error(`price table ${String(file)}: it needs its sources`);
  const byId = new Map(doc.prices.map((p) => [p.id, p]));
  for (const id of PRICE_IDS) {
    const p = byId.get(id);
    if (!p) throw new Error(`price table ${String(file)}: no price '${id}'`);
    if (!(p.price >= 0) || !(p.per > 0) || !p.source.startsWith('https://')) throw new Error(`price table ${String(file)}: price '${id}' needs price >= 0, per > 0 and an https source`);
  }
  return { ...doc, byId };
}
