import type { Logger } from '../core/index.js';

/** Optional: lets the security service say whether a principal (certificate ARN) exists. */
export interface PrincipalCheck {
  principalExists(principal: string): boolean;
}

export interface RegistryEvents {
  /**
   * Something in the registry changed (for the UI, and for security's cached policy decisions). Principal
   * attachments (`thingPrincipal`, name = thing) and group memberships (`groupMembership`, name = group) are
   * `created` when attached/added and `deleted` when detached/removed.
   */
  changed: {
    kind: 'thing' | 'thingType' | 'thingGroup' | 'thingPrincipal' | 'groupMembership';
    name: string;
    operation: 'created' | 'updated' | 'deleted';
  };
}

export interface RegistryServiceOptions {
  logger?: Logger;
  principals?: PrincipalCheck;
  /** Publishes a registry event (`$aws/events/thing/…`) through the broker. */
  publishEvent?: (topic: string, body: object) => void;
}

export interface ThingInput {
  type?: string;
  attributes?: Record<string, string>;
}

export interface ThingUpdate {
  type?: string;
  removeType?: boolean;
  attributes?: Record<string, string>;
  /** Merge attributes into the existing set (an empty value removes one); otherwise replace the set. */
  merge?: boolean;
  expectedVersion?: number;
}
