import type { TargetInfo, TargetProfileInput, TargetTestResult, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';

const SELECTED_KEY = 'thingbench.target';
/** The engine itself: labs' default target. */
export const ENGINE_TARGET = 'local';

/**
 * Target profiles (`targets.*`) and the selected target, which the Labs view runs against (kept in this browser;
 * the engine itself by default). Testing a target keeps its last result per name.
 */
export class TargetsStore {
  list = $state.raw<readonly TargetInfo[]>([]);
  loaded = $state(false);
  selected = $state(ENGINE_TARGET);
  tests = $state.raw<Record<string, TargetTestResult | 'testing'>>({});
  error = $state<string | null>(null);
  notice = $state<string | null>(null);

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {
    try {
      this.selected = localStorage.getItem(SELECTED_KEY) || ENGINE_TARGET;
    } catch {
      // storage refused (private mode): the engine itself
    }
    void this.reload();
  }

  /** The selected target's profile (the engine's own entry until the list is read). */
  get current(): TargetInfo | undefined {
    return this.list.find((t) => t.name === this.selected);
  }

  /** The selected target as the views name it: `this engine`, else the profile's name. */
  get label(): string {
    const t = this.current;
    return (t ? t.engine : this.selected === ENGINE_TARGET) ? 'this engine' : this.selected;
  }

  async reload(): Promise<void> {
    try {
      this.list = await this.client.targets.list();
      this.loaded = true;
      // A selected profile removed elsewhere (the CLI) falls back to the engine itself.
      if (!this.list.some((t) => t.name === this.selected)) this.select(ENGINE_TARGET);
    } catch (err) {
      this.connection.reportError('Could not list the targets')(err);
    }
  }

  select(name: string): void {
    this.selected = name;
    try {
      localStorage.setItem(SELECTED_KEY, name);
    } catch {
      // not kept across reloads then
    }
  }

  /** Saves a profile; resolves with an error sentence, or null when saved. */
  async save(name: string, profile: TargetProfileInput): Promise<string | null> {
    try {
      await this.client.targets.put(name, profile);
      this.notice = `Saved the target '${name}'.`;
      this.error = null;
      await this.reload();
      return null;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  async remove(name: string): Promise<void> {
    try {
      await this.client.targets.delete(name);
      this.notice = `Removed the target '${name}'.`;
      this.error = null;
      if (this.selected === name) this.select(ENGINE_TARGET);
      const { [name]: _gone, ...rest } = this.tests;
      this.tests = rest;
      await this.reload();
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  async test(name: string): Promise<void> {
    this.tests = { ...this.tests, [name]: 'testing' };
    try {
      const r = await this.client.targets.test(name);
      this.tests = { ...this.tests, [name]: r };
    } catch (err) {
      this.tests = { ...this.tests, [name]: { name, ok: false, message: err instanceof Error ? err.message : String(err), ms: 0 } };
    }
  }
}
