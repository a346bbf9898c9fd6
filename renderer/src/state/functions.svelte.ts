import type { FunctionCreateInput, FunctionUpdateInput, FunctionDetail, FunctionInvocation, FunctionInvokeResult, FunctionSummary, JsonValue, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';

/** The functions list is read again this often while the Sinks view is open (files in the functions folder come and go). */
const LIST_MS = 5_000;

/** Local Lambda functions: the list, the open function's configuration and code, test invocations and recent ones. */
export class FunctionsStore {
  list = $state.raw<readonly FunctionSummary[]>([]);
  loaded = $state(false);
  detail = $state.raw<FunctionDetail | null>(null);
  /** The open function's name, set before its detail arrives. */
  open = $state<string | null>(null);
  missing = $state(false);
  invocations = $state.raw<readonly FunctionInvocation[]>([]);
  /** The last test invocation of the open function. */
  result = $state.raw<FunctionInvokeResult | null>(null);
  invoking = $state(false);
  /** Test events typed per function, kept while the app runs. */
  readonly events: Record<string, string> = {};

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  watch(): () => void {
    void this.readList();
    const timer = setInterval(() => void this.readList(), LIST_MS);
    return () => clearInterval(timer);
  }

  async readList(): Promise<void> {
    try {
      this.list = await this.client.functions.list();
      this.loaded = true;
    } catch (err) {
      this.connection.reportError('Could not list the functions')(err);
    }
  }

  /** Opens a function (or none): its configuration, files and recent invocations. */
  async select(name: string | null): Promise<void> {
    if (name === this.open) return;
    this.open = name;
    this.detail = null;
    this.missing = false;
    this.invocations = [];
    this.result = null;
    if (!name) return;
    try {
      const d = await this.client.functions.get(name);
      if (this.open === name) this.detail = d;
    } catch (err) {
      if (this.open !== name) return;
      if ((err as { code?: string }).code === 'NotFound') this.missing = true;
      else this.connection.reportError(`Could not read the function ${name}`)(err);
    }
    await this.readInvocations();
  }

  async readInvocations(): Promise<void> {
    const name = this.open;
    if (!name) return;
    try {
      const got = await this.client.functions.invocations(name, 20);
      if (this.open === name) this.invocations = got;
    } catch {
      // a missing function says so in the view
    }
  }

  /** Invokes the open function with a test event; the result and its log show, and the invocations are read again. */
  async invoke(event: JsonValue): Promise<void> {
    const name = this.open;
    if (!name || this.invoking) return;
    this.invoking = true;
    try {
      const r = await this.client.functions.invoke(name, event);
      if (this.open === name) this.result = r;
    } catch (err) {
      this.connection.reportError(`Could not invoke ${name}`)(err);
    } finally {
      this.invoking = false;
    }
    await this.readInvocations();
  }

  /** Creates a function from one handler file; rejects with the engine's (Lambda's) error for the form to show. */
  async create(input: FunctionCreateInput): Promise<FunctionSummary> {
    const made = await this.client.functions.create(input);
    await this.readList();
    return made;
  }

  /** Changes a function's configuration (UpdateFunctionConfiguration); rejects with the engine's error for the form to show. */
  async update(name: string, input: FunctionUpdateInput): Promise<FunctionSummary> {
    const changed = await this.client.functions.update(name, input);
    if (this.open === name) {
      const d = await this.client.functions.get(name);
      if (this.open === name) this.detail = d;
    }
    await this.readList();
    return changed;
  }

  /** Deletes a function (one created with the Lambda API or here); rejects with the engine's error. */
  async remove(name: string): Promise<void> {
    await this.client.functions.delete(name);
    if (this.open === name) {
      this.detail = null;
      this.result = null;
      this.invocations = [];
    }
    await this.readList();
  }
}
