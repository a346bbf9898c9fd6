import { randomBytes } from 'node:crypto';
import { rejection } from './provisioning-messages.js';

/** AWS: the `certificateOwnershipToken` of CreateKeysAndCertificate and CreateCertificateFromCsr expires after one hour. */
export const TOKEN_LIFETIME_MS = 60 * 60 * 1000;
/** Tokens held at once; past this the oldest are forgotten (their certificates are swept as if expired). */
const MAX_TOKENS = 10_000;

export interface OwnershipToken {
  token: string;
  certificateId: string;
  /** Who asked for the certificate: the claim certificate's id (mutual TLS), else the client id. */
  requester: string;
  expiresAt: number;
  /** A RegisterThing with this token is running (a second one is refused). */
  inUse?: boolean;
}

/**
 * Certificate ownership tokens: an opaque random token per certificate created over MQTT, valid for one hour, for the
 * requester that created it only, used up by the RegisterThing that succeeds with it.
 */
export class OwnershipTokens {
  private readonly tokens = new Map<string, OwnershipToken>();

  constructor(private readonly now: () => number) {}

  issue(certificateId: string, requester: string): string {
    const token = randomBytes(96).toString('base64');
    if (this.tokens.size >= MAX_TOKENS) this.tokens.delete(this.tokens.keys().next().value!);
    this.tokens.set(token, { token, certificateId, requester, expiresAt: this.now() + TOKEN_LIFETIME_MS });
    return token;
  }

  /** The token's entry, reserved for one RegisterThing (release it with `release` or `consume`), or the rejection. */
  take(token: unknown, requester: string): OwnershipToken {
    if (token === undefined || token === null || token === '') throw rejection.emptyToken();
    const t = typeof token === 'string' ? this.tokens.get(token) : undefined;
    if (!t || t.requester !== requester || t.inUse) throw rejection.badToken();
    if (t.expiresAt <= this.now()) throw rejection.expiredToken();
    t.inUse = true;
    return t;
  }

  release(t: OwnershipToken): void {
    t.inUse = false;
  }

  consume(t: OwnershipToken): void {
    this.tokens.delete(t.token);
  }

  /** Removes the expired tokens and returns them (their certificates may be deleted). */
  expire(): OwnershipToken[] {
    const now = this.now();
    const gone: OwnershipToken[] = [];
    for (const t of this.tokens.values()) {
      if (t.expiresAt <= now && !t.inUse) {
        this.tokens.delete(t.token);
        gone.push(t);
      }
    }
    return gone;
  }
}
