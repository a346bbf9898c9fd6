/**
 * What a runtime needs to run one function: where its code is, which export to call, its limits and variables.
 * Both kinds of function resolve to this: files in `<dataDir>/functions/` and functions created with the Lambda API.
 */
import type { ControlSendInput } from '../contract/index.js';

export type FunctionLanguage = 'node' | 'python';

export interface FunctionSpec {
  name: string;
  language: FunctionLanguage;
  /** The module file to load (absolute). */
  file: string;
  /** The module's name as Lambda reports it (`index`, `lambda_function`). */
  moduleName: string;
  /** The export or attribute to call; null for a folder function (`handler`, then `default` / `lambda_handler`). */
  exportName: string | null;
  /** The handler setting as the user wrote it (`index.handler`), for `_HANDLER` and error messages. */
  handler: string;
  /** `LAMBDA_TASK_ROOT`: the directory holding the code. */
  taskRoot: string;
  timeoutMs: number;
  memoryMb: number;
  variables: Record<string, string>;
  /** Changes whenever the code or the configuration changes: a warm instance of an older revision is replaced. */
  revision: string;
}

/** What a running function's local SDK reaches (`context.sdk`, the global `thingbench`). */
export interface FunctionSdkHost {
  publish(msg: { topic: string; payload: Buffer; qos: 0 | 1; retain: boolean }): Promise<void>;
  getShadow(thing: string, name: string | null): unknown;
  updateShadow(thing: string, document: unknown, name: string | null): Promise<unknown>;
  notify(functionName: string, message: string, subject: string | null): void;
  /** A local table's item by its key (DynamoDB's GetItem, plain JSON), or null when there is none. */
  getItem(table: string, key: Record<string, unknown>): unknown;
  /** Command & control: sends a command to a thing and resolves with its answer (the contract's `control.send`). */
  sendCommand(input: ControlSendInput & { oneWay?: boolean }): Promise<unknown>;
}

/** One local SDK call from a function. */
export async function sdkCall(host: FunctionSdkHost, fn: string, op: string, args: Record<string, unknown>): Promise<unknown> {
  switch (op) {
    case 'publish': {
      if (typeof args.topic !== 'string' || !args.topic) throw new Error('publish needs a topic');
      const p = args.payload;
      const payload = p instanceof Uint8Array ? Buffer.from(p) : typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(JSON.stringify(p ?? null));
      await host.publish({ topic: args.topic, payload, qos: args.qos === 1 ? 1 : 0, retain: false });
      return null;
    }
    case 'getShadow':
      return host.getShadow(String(args.thingName), typeof args.shadowName === 'string' ? args.shadowName : null);
    case 'updateShadow':
      return host.updateShadow(String(args.thingName), args.document, typeof args.shadowName === 'string' ? args.shadowName : null);
    case 'notify':
      host.notify(fn, String(args.message), typeof args.subject === 'string' ? args.subject : null);
      return null;
    case 'getItem': {
      const key = args.key;
      if (typeof args.tableName !== 'string' || !args.tableName) throw new Error('getItem needs a table name');
      if (!key || typeof key !== 'object' || Array.isArray(key)) throw new Error('getItem needs a key object, e.g. { id: "sensor-1" }');
      return host.getItem(args.tableName, key as Record<string, unknown>) ?? null;
    }
    case 'sendCommand': {
      if (typeof args.thingName !== 'string' || typeof args.name !== 'string') throw new Error('sendCommand needs a thingName and a command name');
      const p = args.payload;
      const binary = p instanceof Uint8Array;
      const payload = binary ? Buffer.from(p).toString('base64') : typeof p === 'string' ? p : p === undefined || p === null ? '' : JSON.stringify(p);
      const timeoutMs = args.timeoutMs === undefined || args.timeoutMs === null ? undefined : Number(args.timeoutMs);
      return host.sendCommand({
        thing: args.thingName, name: args.name, payload, encoding: binary ? 'base64' : 'utf8',
        ...(typeof args.contentType === 'string' ? { contentType: args.contentType } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        ...(args.oneWay === true ? { oneWay: true } : {}),
      });
    }
    default:
      throw new Error(`unknown SDK call ${op}`);
  }
}
