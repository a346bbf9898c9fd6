/**
 * What the traffic so far would cost at AWS list prices (`metering.cost`), from the engine's counters and the price
 * table it ships (`engine/metering/prices/aws-us-east-1.json`, dated, with its sources).
 */

/** One price of the table: `price` US dollars per `per` units. */
export interface PriceInfo {
  id: string;
  service: string;
  item: string;
  /** What is counted, e.g. `messages (5 KB each)`. */
  unit: string;
  price: number;
  per: number;
  /** The AWS pricing page it comes from. */
  source: string;
}

/** The price table's provenance. */
export interface PriceTableInfo {
  region: string;
  currency: 'USD';
  /** The day the prices were looked up (YYYY-MM-DD). */
  date: string;
  sources: Array<{ title: string; url: string }>;
  /** What the table leaves out (free tier, volume tiers, storage). */
  note: string;
  prices: PriceInfo[];
}

/** One priced quantity: `quantity` units at the price `priceId` cost `cost` dollars. */
export interface CostLine {
  priceId: string;
  service: string;
  item: string;
  unit: string;
  quantity: number;
  price: number;
  per: number;
  cost: number;
}

/** A service's share (AWS IoT Core, Amazon SQS, …). */
export interface ServiceCost {
  service: string;
  cost: number;
}

/** Messages on one topic: published to it and delivered from it, in 5 KB increments. */
export interface TopicCost {
  topic: string;
  messagesIn: number;
  messagesOut: number;
  billedMessages: number;
  cost: number;
}

/** One rule: triggered (its topic filter matched) and the actions it ran, each in 5 KB increments. */
export interface RuleCost {
  rule: string;
  triggered: number;
  billedTriggers: number;
  actions: number;
  billedActions: number;
  cost: number;
}

/**
 * The name the data plane's HTTP Publish (`POST /topics/{topic}` on the AWS API endpoint, SigV4) is counted under in
 * the usage report's clients and the cost report's devices: its caller is no device (an HTTPS device's publishes on
 * port 8443 are counted under its thing).
 */
export const HTTP_PUBLISH_CALLER = '(HTTP Publish API)';

/**
 * One device (an MQTT client id, an HTTPS or CoAP device's thing, or a thing whose shadow was used): messages,
 * connection minutes, shadow operations. HTTP_PUBLISH_CALLER names the data plane's HTTP Publish calls.
 */
export interface DeviceCost {
  device: string;
  messages: number;
  billedMessages: number;
  connectionMinutes: number;
  /** Device Shadow operations on the thing of this name, in 1 KB increments. */
  shadowOperations: number;
  billedShadowOperations: number;
  cost: number;
}

/** The monthly projection: the cost rate over the last `windowMs` times a month of 730 hours. */
export interface CostProjection {
  monthly: number;
  /** Dollars per hour over the window. */
  perHour: number;
  /** The window the rate was measured over (the last 5 minutes, or since the start when younger). */
  windowMs: number;
}

export interface CostReport {
  /** Epoch ms the counters started (the engine's start). */
  since: number;
  at: number;
  currency: 'USD';
  total: number;
  projection: CostProjection;
  lines: CostLine[];
  services: ServiceCost[];
  topics: TopicCost[];
  rules: RuleCost[];
  devices: DeviceCost[];
  table: Omit<PriceTableInfo, 'prices'>;
  /** Traffic the engine serves but does not meter yet, in a sentence each. */
  unmetered: string[];
}
