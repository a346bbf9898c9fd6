export interface Disposable {
  dispose(): void;
}

/** Every engine service: started in declaration order, stopped in reverse. */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
