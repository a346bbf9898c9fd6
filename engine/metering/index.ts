export { CostService, PROJECTION_WINDOW_MS, MAX_ROWS } from './cost-service.js';
export { computeCost, BILLED_REGISTRY_OPERATIONS, type UsageCounters, type RuleCounters, type CostBreakdown } from './cost.js';
export { loadPriceTable, PRICE_IDS, PRICE_TABLE_FILE, type PriceId, type PriceTable } from './price-table.js';
export { RequestMeter, chunks, GB } from './request-meter.js';
