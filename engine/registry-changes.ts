/**
 * The contract's `registry.changed` event: what changed in the registry (its own change events) or in security
 * (certificates, CA certificates, policies: their stores' generation counters, read every 250 ms), coalesced to at
 * most one event per 250 ms, so the UI reads the registry again when, and only when, it changed — through the UI,
 * the AWS API, the CLI or a device's just-in-time registration alike.
 */
import type { RegistryChangeKind, RegistryChanged } from './contract/index.js';
import type { Disposable, Service } from './core/index.js';
import type { RegistryService } from './registry/index.js';
import type { SecurityService } from './security/index.js';

const INTERVAL_MS = 250;

export class RegistryChanges implements Service {
  readonly name = 'registry-changes';
  private readonly pending = new Set<RegistryChangeKind>();
  private subscription?: Disposable;
  private timer?: NodeJS.Timeout;
  private certificates = -1;
  private policies = -1;

  constructor(private readonly registry: RegistryService, private readonly security: SecurityService, private readonly emit: (e: RegistryChanged) => void) {}

  async start(): Promise<void> {
    this.subscription = this.registry.events.on('changed', (e) => void this.pending.add(e.kind));
    this.certificates = this.security.certificates.generation;
    this.policies = this.security.policies.generation;
    this.timer = setInterval(() => this.flush(), INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.subscription?.dispose();
    clearInterval(this.timer);
  }

  private flush(): void {
    const { certificates, policies } = this.security;
    if (certificates.generation !== this.certificates) this.pending.add('certificate');
    if (policies.generation !== this.policies) this.pending.add('policy');
    this.certificates = certificates.generation;
    this.policies = policies.generation;
    if (!this.pending.size) return;
    const kinds = [...this.pending];
    this.pending.clear();
    this.emit({ kinds });
  }
}
