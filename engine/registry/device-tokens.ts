/**
 * Per-thing pre-shared device tokens (migration 0022): CoAP devices, which have no TLS client certificate, identify
 * themselves with `?thing=<name>&token=<secret>`. The secret is returned once at creation and kept only as a salted
 * SHA-256 (tokens are long and random, so a slow hash buys nothing and every CoAP request checks one); comparison is
 * constant-time. The token id is public and is the device's principal.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DeviceTokenCreated, DeviceTokenInfo } from '../contract/index.js';
import { EngineError, type Clock } from '../core/index.js';
import type { Statement, Store } from '../storage/index.js';

/** What a token may contain: URI-unreserved characters, so it travels in a URI-Query as is. */
const TOKEN = /^[A-Za-z0-9._~-]{16,128}$/;

interface Row { thing: string; token_id: string; salt: string; hash: string; created: number }

const digest = (salt: string, token: string) => createHash('sha256').update(salt).update(token).digest();

export class DeviceTokens {
  /** Rows by thing, read once each: every CoAP request verifies a token. */
  private readonly cache = new Map<string, Row | null>();

  constructor(private readonly store: Store, private readonly clock: Clock, private readonly thingExists: (name: string) => boolean) {}

  /** Sets (or replaces) the thing's token; generates one when none is given. */
  async set(thing: string, token?: string): Promise<DeviceTokenCreated> {
    if (!this.thingExists(thing)) throw new EngineError('NotFound', `Thing ${thing} cannot be found.`);
    if (token !== undefined && !TOKEN.test(token)) {
      throw new EngineError('InvalidInput', 'a device token must be 16 to 128 characters of A-Z, a-z, 0-9, ".", "_", "~" and "-"');
    }
    const secret = token ?? randomBytes(24).toString('base64url');
    const row: Row = { thing, token_id: randomBytes(16).toString('hex'), salt: randomBytes(16).toString('hex'), hash: '', created: this.clock.now() };
    row.hash = digest(row.salt, secret).toString('hex');
    await this.store.write([{
      sql: 'INSERT OR REPLACE INTO device_tokens (thing, token_id, salt, hash, created) VALUES (?, ?, ?, ?, ?)',
      params: [row.thing, row.token_id, row.salt, row.hash, row.created],
    }]);
    this.cache.set(thing, row);
    return { thing, token: secret, tokenId: row.token_id };
  }

  /** Removes the thing's token; NotFound when it has none. */
  async delete(thing: string): Promise<void> {
    if (!this.row(thing)) throw new EngineError('NotFound', `Thing ${thing} has no device token.`);
    await this.store.write([this.deleteStatement(thing)]);
    this.cache.delete(thing);
  }

  list(): DeviceTokenInfo[] {
    return this.store.all<Row>('SELECT thing, token_id, created FROM device_tokens ORDER BY thing')
      .map((r) => ({ thing: r.thing, tokenId: r.token_id, createdAt: r.created }));
  }

  /** The token id when `token` is the thing's token; undefined for an unknown thing, no token or a wrong one. */
  verify(thing: string, token: string): string | undefined {
    const row = this.row(thing);
    if (!row) return undefined;
    const ok = timingSafeEqual(digest(row.salt, token), Buffer.from(row.hash, 'hex'));
    return ok ? row.token_id : undefined;
  }

  /** The statement that removes a deleted thing's token (written with the thing's own deletion). */
  deleteStatement(thing: string): Statement {
    return { sql: 'DELETE FROM device_tokens WHERE thing = ?', params: [thing] };
  }

  /** Forgets a cached row after a change made elsewhere (the thing's deletion). */
  forget(thing: string): void {
    this.cache.delete(thing);
  }

  private row(thing: string): Row | undefined {
    let row = this.cache.get(thing);
    if (row === undefined) {
      row = this.store.get<Row>('SELECT thing, token_id, salt, hash, created FROM device_tokens WHERE thing = ?', [thing]) ?? null;
      // Unknown things are not cached: a flood of made-up names must not grow the map.
      if (row) this.cache.set(thing, row);
    }
    return row ?? undefined;
  }
}
