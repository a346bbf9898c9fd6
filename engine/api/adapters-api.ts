import type { ThingbenchApi } from '../contract/index.js';
import type { CoapService } from './coap/index.js';
import type { DeviceHttpsEndpoint } from './device-https/index.js';

/** The contract's `adapters` area: the CoAP listener's and the HTTPS device endpoint's counters. */
export function adaptersApi(
  coap: Pick<CoapService, 'stats'>, https: Pick<DeviceHttpsEndpoint, 'stats'>, httpsEndpoint: () => string | undefined,
): ThingbenchApi['adapters'] {
  return { stats: async () => ({ coap: coap.stats(), https: https.stats(httpsEndpoint()) }) };
}
