export { DevicesService, type DevicesServiceOptions, type DevicesEvents, type DeviceEndpoint, type DeviceListener, type FleetMember, type FleetRegistration } from './devices-service.js';
export { devicesApi } from './devices-api.js';
