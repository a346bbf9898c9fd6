// Types for the CommonJS in-memory persistence that ships with aedes (aedes-persistence/asyncPersistence.js).
declare module 'aedes-persistence/asyncPersistence.js' {
  import type { Readable } from 'node:stream';
  export interface PersistedPacket {
    cmd: string;
    brokerId: string;
    brokerCounter: number;
    topic: string;
    payload: Buffer;
    qos: number;
    retain: boolean;
    dup: boolean;
    messageId?: number;
    clientId?: string;
    [key: string]: unknown;
  }
  export interface Sub { topic: string; qos: number; rh?: number; rap?: boolean; nl?: boolean; clientId?: string; subscriptionIdentifier?: number }
  export interface ClientRef { id: string }
  export default class MemoryPersistence {
    constructor(opts?: object);
    setup(broker: unknown): Promise<void>;
    storeRetained(packet: PersistedPacket): Promise<void>;
    createRetainedStream(pattern: string): Readable;
    createRetainedStreamCombi(patterns: string[]): Readable;
    addSubscriptions(client: ClientRef, subs: Sub[]): Promise<void>;
    removeSubscriptions(client: ClientRef, topics: string[]): Promise<void>;
    subscriptionsByClient(client: ClientRef): Promise<Sub[]>;
    subscriptionsByTopic(topic: string): Promise<Sub[]>;
    cleanSubscriptions(client: ClientRef): Promise<void>;
    countOffline(): Promise<{ subsCount: number; clientsCount: number }>;
    outgoingEnqueue(sub: { clientId: string }, packet: PersistedPacket): Promise<void>;
    outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: PersistedPacket): Promise<void>;
    outgoingUpdate(client: ClientRef, packet: PersistedPacket): Promise<void>;
    outgoingClearMessageId(client: ClientRef, packet: { messageId?: number }): Promise<PersistedPacket | undefined>;
    outgoingStream(client: ClientRef): Readable;
    incomingStorePacket(client: ClientRef, packet: PersistedPacket): Promise<void>;
    incomingGetPacket(client: ClientRef, packet: { messageId?: number }): Promise<PersistedPacket>;
    incomingDelPacket(client: ClientRef, packet: { messageId?: number }): Promise<void>;
    cleanIncoming(client: ClientRef): Promise<void>;
    putWill(client: ClientRef, packet: PersistedPacket): Promise<void>;
    getWill(client: ClientRef): Promise<PersistedPacket | undefined>;
    delWill(client: ClientRef): Promise<PersistedPacket | undefined>;
    streamWill(brokers?: Record<string, unknown>): Readable;
    getClientList(topic: string): Readable;
    destroy(): Promise<void>;
  }
}
