import type { DeviceTokenCreated, DeviceTokenInfo, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';

/**
 * CoAP device tokens (`registry.setDeviceToken`, `deleteDeviceToken`, `deviceTokens`): which things have one, and the
 * secret of the token just created or rotated, held only until another thing is shown (the engine keeps a hash).
 */
export class DeviceTokensStore {
  tokens = $state.raw<readonly DeviceTokenInfo[]>([]);
  loaded = $state(false);
  /** The token made last, with its secret: shown once. */
  created = $state.raw<DeviceTokenCreated | null>(null);

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  async read(): Promise<void> {
    try {
      this.tokens = await this.client.registry.deviceTokens();
    } catch (err) {
      this.connection.reportError('Could not read the device tokens')(err);
    }
    this.loaded = true;
  }

  of(thing: string): DeviceTokenInfo | undefined {
    return this.tokens.find((t) => t.thing === thing);
  }

  /** Creates the thing's token, or rotates it (the old one stops working); rejects with the engine's refusal. */
  async set(thing: string): Promise<DeviceTokenCreated> {
    const made = await this.client.registry.setDeviceToken({ thing });
    // The secret belongs to the thing on show (the card may be made again for it, e.g. after a visit to another view).
    this.shown = thing;
    this.created = made;
    await this.read();
    return made;
  }

  async remove(thing: string): Promise<void> {
    await this.client.registry.deleteDeviceToken(thing);
    if (this.created?.thing === thing) this.created = null;
    await this.read();
  }

  /** Forgets the secret shown (the person is done with it). */
  forget(): void {
    this.created = null;
  }

  /**
   * A thing's detail is shown: the tokens are read again, and a secret made for another thing is forgotten. Kept
   * here rather than in the card, so the card being made again for the same thing never loses the secret.
   */
  show(thing: string): void {
    if (thing !== this.shown) this.created = null;
    this.shown = thing;
    void this.read();
  }

  private shown: string | null = null;
}
