import type { ProvisioningTemplateDetail, ProvisioningTemplateSummary, RegistrationTaskInfo, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { poll } from './poll.js';

/** Bulk registration tasks progress on their own: read again this often while shown. */
const REFRESH_MS = 2_000;

/** Provisioning templates (the selected one with its body and versions) and bulk registration tasks, for the Jobs view. */
export class ProvisioningStore {
  templates = $state.raw<readonly ProvisioningTemplateSummary[]>([]);
  tasks = $state.raw<readonly RegistrationTaskInfo[]>([]);
  loaded = $state(false);
  selected = $state<string | null>(null);
  template = $state.raw<ProvisioningTemplateDetail | null>(null);

  private seq = 0;

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  watch(): () => void {
    return poll(() => this.reload(), REFRESH_MS);
  }

  async reload(): Promise<void> {
    const report = this.connection.reportError('Could not read the provisioning templates');
    await Promise.all([
      this.client.provisioning.templates().then((t) => { this.templates = t; }, report),
      this.client.provisioning.tasks().then((t) => { this.tasks = t; }, report),
      this.readTemplate(),
    ]);
    this.loaded = true;
  }

  select(name: string | null): void {
    if (name === this.selected) return;
    this.selected = name;
    this.template = null;
    void this.readTemplate();
  }

  private async readTemplate(): Promise<void> {
    const name = this.selected;
    if (!name) return;
    const seq = ++this.seq;
    try {
      const t = await this.client.provisioning.template(name);
      if (seq === this.seq && name === this.selected) this.template = t;
    } catch {
      // A template deleted meanwhile: the list no longer has it, and the detail says so.
      if (seq === this.seq && name === this.selected) this.template = null;
    }
  }
}
