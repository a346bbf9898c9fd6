export { DeliveryService, type DeliveryBroker, type DeliveryEvents, type DeliveryOptions } from './delivery-service.js';
export { deliveryApi } from './delivery-api.js';
export { DEFAULT_EVENT_TTL_SECONDS } from './delivery-mappings.js';
