/**
 * `thingbench lab …` without `--target`: the lab runs in the user's own Thingbench on the data directory, through the
 * contract's `labs.*`. When one is running, through its control socket, so the lab's devices keep running in it and
 * `--watch` follows its `labs.checked` events. When none is, `list` and `env` read the catalogue and the progress
 * file alone (`env` with the ports `npm start` opens), `check` and `reset` open the data directory in this process
 * (an engine on free ports, stopped at the end), and `start`/`solve` say to start Thingbench first.
 */
import path from 'node:path';
import { createEngine } from '../engine.js';
import { defaultConfig, defaultPorts } from '../config.js';
import { EngineError, type Logger } from '../core/index.js';
import type { FaultResult } from '../devices/index.js';
import { defaultAttendee, findLab, labEnv, loadLabCatalogue, ProgressStore, type CheckReport, type Lab, type LabCatalogue } from '../labs/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type Target } from '../scenarios/index.js';
import { connectEngine, runningEngine } from './engine-control.js';
import { ContractLabDriver } from './lab-contract-driver.js';
import { labListings, type LabDriver, type LabListing, type LabReset, type LabSolved, type LabStarted } from './lab-target-driver.js';

export interface EngineDriverOptions {
  dataDir: string;
  attendee?: string;
  /** `start`, `solve` and `fault`: a Thingbench must be running. */
  needsRunning: boolean;
  logger: Logger;
  /** The user's lab folders (`--labs`): for this process only; a running Thingbench has its own. */
  labDirs?: readonly string[];
}

/** The name the engine keeps its own labs' progress under (the labs service's). */
const LOCAL = 'local';

export async function engineLabDriver(opts: EngineDriverOptions): Promise<LabDriver> {
  const running = runningEngine(opts.dataDir);
  if (running) {
    if (opts.labDirs?.length) {
      throw new EngineError('InvalidInput', `--labs: the Thingbench running on ${opts.dataDir} (pid ${running.pid}) reads its own lab folders: give --labs to thingbench up or serve, or put the lab in ${path.join(opts.dataDir, 'labs')} (read at every lab list)`);
    }
    const client = await connectEngine(running);
    return new ContractLabDriver({ api: client, on: (n, cb) => client.on(n, cb), close: async () => client.dispose() },
      `the Thingbench running on ${opts.dataDir} (pid ${running.pid})`, opts.attendee);
  }
  if (opts.needsRunning) {
    throw new EngineError('Unavailable', `no Thingbench is running on ${opts.dataDir}: start it first (npm start, or thingbench up in another terminal), then run this again`, { reason: 'NotRunning' });
  }
  return new OfflineLabDriver(opts.dataDir, opts.attendee, opts.logger, opts.labDirs);
}

/** The engine's endpoints as `npm start` and `thingbench up` open them by default: what the guide's commands use. */
function defaultLocalTarget(): Target {
  const host = '127.0.0.1';
  const urls = { mqtt: `mqtt://${host}:${defaultPorts.mqtt}`, mqtts: `mqtts://${host}:${defaultPorts.mqtts}`, ws: `ws://${host}:${defaultPorts.ws}/mqtt` };
  const http = `http://${host}:${defaultPorts.http}`;
  return {
    name: LOCAL, kind: 'local', capabilities: { shadows: true, controlPlane: true, sinks: true, engineRestart: false },
    mqtt: (t = 'mqtt') => ({ url: urls[t] }),
    aws: { endpoint: http, dataEndpoint: http, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } },
    close: async () => {},
  };
}

/** No Thingbench running: the catalogue and progress from the data directory, an engine of its own to check or reset. */
class OfflineLabDriver implements LabDriver {
  private readonly catalogue: LabCatalogue;
  private readonly labs: Lab[];
  private readonly attendee: string;
  private opened?: Promise<ContractLabDriver>;

  constructor(private readonly dataDir: string, attendee: string | undefined, private readonly logger: Logger, private readonly labDirs?: readonly string[]) {
    this.attendee = attendee ?? defaultAttendee();
    this.catalogue = loadLabCatalogue({ dirs: labDirs, dataDir });
    this.labs = this.catalogue.labs;
  }

  readonly where = 'this data directory (no Thingbench is running on it)';

  /** The data directory's engine in this process, on free ports. */
  private engine(): Promise<ContractLabDriver> {
    this.opened ??= (async () => {
      const engine = await createEngine(defaultConfig({ dataDir: this.dataDir, ports: { mqtt: 0, ws: 0, http: 0, mqtts: 0, wss: 0 }, ...(this.labDirs?.length ? { labs: { dirs: [...this.labDirs] } } : {}) }), { logger: this.logger });
      await engine.start().catch(async (e: unknown) => {
        await engine.stop().catch(() => undefined);
        throw e;
      });
      return new ContractLabDriver({ api: engine.api, on: (n, cb) => engine.events.on(n, cb), close: () => engine.stop() }, this.where, this.attendee);
    })();
    return this.opened;
  }

  async list(): Promise<LabListing[]> {
    const progress = new ProgressStore(this.dataDir);
    return labListings(this.catalogue, (id) => progress.get(LOCAL, this.attendee, id));
  }

  async env(ref: string): Promise<Record<string, string>> {
    return labEnv(findLab(this.labs, ref), defaultLocalTarget(), { attendee: this.attendee, caFile: path.join(this.dataDir, 'security', 'root-ca.pem') });
  }

  start(): Promise<LabStarted> {
    throw new EngineError('Unavailable', 'no Thingbench is running');
  }

  async check(ref: string): Promise<CheckReport> {
    findLab(this.labs, ref);
    return (await this.engine()).check(ref);
  }

  async watch(ref: string, onReport: (r: CheckReport) => void, onError: (e: Error) => void): Promise<{ stop(): Promise<void> }> {
    findLab(this.labs, ref);
    return (await this.engine()).watch(ref, onReport, onError);
  }

  solve(): Promise<LabSolved> {
    throw new EngineError('Unavailable', 'no Thingbench is running');
  }

  fault(): Promise<FaultResult> {
    throw new EngineError('Unavailable', 'no Thingbench is running, so no lab devices run');
  }

  async reset(ref: string): Promise<LabReset> {
    findLab(this.labs, ref);
    return (await this.engine()).reset(ref);
  }

  async close(): Promise<void> {
    if (this.opened) await (await this.opened).close();
  }
}
