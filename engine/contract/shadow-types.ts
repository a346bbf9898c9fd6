/** Device Shadow shapes shared by the engine and the renderer (AWS IoT's document format, epoch-second timestamps). */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject { [key: string]: JsonValue }

/** Mirrors a state section: `{timestamp}` per leaf, one entry per array element, objects key by key. */
export type ShadowMetadata = { timestamp: number } | ShadowMetadata[] | { [key: string]: ShadowMetadata };
export type ShadowMetadataObject = { [key: string]: ShadowMetadata };

/** A shadow as GET returns it: `delta` appears only when desired and reported differ. */
export interface ShadowDocument {
  state: { desired?: JsonObject; reported?: JsonObject; delta?: JsonObject };
  metadata: { desired?: ShadowMetadataObject; reported?: ShadowMetadataObject };
  version: number;
  /** Epoch seconds when the document was produced. */
  timestamp: number;
  clientToken?: string;
}

/** A request state document (the body of an update). `null` deletes a key, or a whole section. */
export interface ShadowPatch {
  state: { desired?: JsonObject | null; reported?: JsonObject | null } | null;
  /** Optimistic locking: the update applies only when the shadow is at this version. */
  version?: number;
  clientToken?: string;
}

/** One row of `shadow.list()`. `name` is null for the classic (unnamed) shadow. */
export interface ShadowSummary {
  thing: string;
  name: string | null;
  version: number;
  /** Epoch ms of the last update. */
  updatedAt: number;
}

/** One stored version of a shadow, for the UI's time travel and diff. */
export interface ShadowVersion {
  version: number;
  operation: 'update' | 'delete';
  /** The whole document after the operation; null after a delete. */
  document: { state: { desired?: JsonObject; reported?: JsonObject }; metadata: ShadowDocument['metadata'] } | null;
  /** Epoch ms. */
  time: number;
}

/** Pushed after every accepted update or delete, whichever edge (MQTT, HTTP, UI) made it. */
export interface ShadowUpdated {
  thing: string;
  name: string | null;
  operation: 'update' | 'delete';
  version: number;
  time: number;
}

/** What an accepted update answers (`/update/accepted`): only the request's sections, with their metadata. */
export interface ShadowUpdateResult {
  state: { desired?: JsonObject | null; reported?: JsonObject | null };
  metadata: { desired?: ShadowMetadata; reported?: ShadowMetadata };
  version: number;
  timestamp: number;
  clientToken?: string;
}

/** What a delete answers (`/delete/accepted`). */
export interface ShadowDeleteResult {
  version: number;
  timestamp: number;
  clientToken?: string;
}
