import { EngineError } from '../../core/index.js';
import { AskingDevice } from './asking-device.js';
import { CoapUplink } from './coap-uplink.js';
import type { DeviceSpec } from './device-spec.js';
import { HttpsUplink } from './https-uplink.js';
import { VirtualDevice, type VirtualDeviceOptions } from './virtual-device.js';

/** A fleet member: an MQTT device, or one that only asks (CoAP, HTTPS). */
export type FleetDevice = VirtualDevice | AskingDevice;

/** The device its connection URL calls for: coap:// and https:// ask, the rest are MQTT clients. */
export function createDevice(spec: DeviceSpec, opts: VirtualDeviceOptions = {}): FleetDevice {
  const { url, token, tls, nonConfirmable } = spec.connection;
  if (url.startsWith('coap://')) {
    if (!token) throw new EngineError('InvalidInput', `device ${spec.thingName}: a CoAP device needs its thing's device token`);
    return new AskingDevice(spec, new CoapUplink({ url, thingName: spec.thingName, token, confirmable: !nonConfirmable }), opts);
  }
  if (url.startsWith('https://')) return new AskingDevice(spec, new HttpsUplink({ url, tls: tls ?? {}, thingName: spec.thingName }), opts);
  return new VirtualDevice(spec, opts);
}
