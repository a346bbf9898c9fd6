import type {
  DeviceLogEntry, DeviceModelList, FleetFault, FleetFaultResult, FleetInfo, FleetMemberPage, FleetMemberQuery, FleetStartInput,
} from '../device-types.js';

/** Virtual devices: fleets from device models, run in worker threads against the engine itself. */
export interface DevicesApi {
  /** The built-in models and the custom ones in `<dataDir>/models`, with the custom files that did not load. */
  models(): Promise<DeviceModelList>;
  /**
   * Starts a fleet; resolves once its things are registered (and certificates provisioned, for a model with
   * `certificate: provision`) and its devices are built; they then connect at the connect rate. NotFound for an
   * unknown model; InvalidInput for a model that does not load or cannot run here.
   */
  start(input: FleetStartInput): Promise<FleetInfo>;
  /** Running fleets, then the most recently stopped ones. */
  list(): Promise<FleetInfo[]>;
  /** Disconnects every device cleanly (no wills) and ends the fleet's worker; resolves with its final counters. */
  stop(id: string): Promise<FleetInfo>;
  /** Applies a fault (drop, disconnect, partition, network, …) to the fleet's devices (thing names or client ids; default: every device). */
  fault(id: string, fault: FleetFault, devices?: string[]): Promise<FleetFaultResult>;
  /** A running fleet's devices, one page at a time in index order: state, counters, last activity, will topic. */
  members(id: string, query?: FleetMemberQuery): Promise<FleetMemberPage>;
  /**
   * A device's log (thing name or client id), oldest first, after entry `after`: connections, faults, transitions,
   * deltas, commands, and its publishes from the first read on. NotFound for an unknown device; Conflict once stopped.
   */
  log(id: string, device: string, after?: number): Promise<DeviceLogEntry[]>;
}
