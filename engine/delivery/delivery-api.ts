import type { ThingbenchApi } from '../contract/index.js';
import type { DeliveryService } from './delivery-service.js';

/** The contract's `delivery` area over the delivery service. */
export function deliveryApi(delivery: DeliveryService): ThingbenchApi['delivery'] {
  return {
    list: async () => delivery.list(),
    put: (input) => delivery.put(input),
    delete: (id) => delivery.delete(id),
    stored: async (query) => delivery.waiting(query?.consumer),
  };
}
