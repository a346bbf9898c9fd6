import type { ThingbenchApi } from '../../contract/index.js';
import type { DevicesService } from './devices-service.js';

/** The contract's `devices` area over the service. */
export function devicesApi(devices: DevicesService): ThingbenchApi['devices'] {
  return {
    models: async () => devices.models(),
    start: (input) => devices.startFleet(input),
    list: async () => devices.fleetList(),
    stop: (id) => devices.stopFleet(id),
    fault: (id, fault, targets) => devices.fault(id, fault, targets),
    members: (id, query) => devices.members(id, query),
    log: (id, device, after) => devices.deviceLog(id, device, after),
  };
}
