/**
 * Long polling: receives waiting on a queue are woken by the change that may give them a message (a send, a
 * visibility change, a redrive into the queue), never by polling; a timer covers the next message that becomes
 * visible by itself (a delay or a visibility timeout ending) and the end of the wait.
 */
export class QueueWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  private closed = false;

  /** Resolves when `queue` changes, after `ms`, when `signal` aborts or when the sinks stop. */
  wait(queue: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.waiting.get(queue);
      if (!set) this.waiting.set(queue, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const current = this.waiting.get(queue);
        current?.delete(done);
        if (current?.size === 0) this.waiting.delete(queue);
        resolve();
      };
      const timer = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  /** Wakes every receive waiting on `queue`. */
  wake(queue: string): void {
    const set = this.waiting.get(queue);
    if (set) for (const done of [...set]) done();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  open(): void {
    this.closed = false;
  }

  /** Ends every wait (they answer with what they have: usually nothing) and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const queue of [...this.waiting.keys()]) this.wake(queue);
  }
}
