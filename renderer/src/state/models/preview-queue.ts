/**
 * Topics whose rows are on screen without a payload preview (their statistics came from the compact topic table, or
 * the topic changed while out of sight): asked for in batches, each once until its answer comes. A topic the answer
 * covers may be wanted again (it changed out of sight once more); one the engine did not answer for stays asked, so a
 * row the engine knows nothing of does not ask on every redraw. Held by their nodes, not their names: a name used as
 * a key of a `Set` joins V8's string table for good (see `StringIndex`), and scrolling through 100,000 topics would
 * put them all there.
 */
export class PreviewQueue<T> {
  private readonly wanted = new Set<T>();
  private readonly asked = new Set<T>();

  /** Notes a topic shown without its preview; returns true when it is newly wanted. */
  want(topic: T): boolean {
    if (this.asked.has(topic) || this.wanted.has(topic)) return false;
    this.wanted.add(topic);
    return true;
  }

  get pending(): number {
    return this.wanted.size;
  }

  /** The next batch to ask for, at most `max`; they count as asked until `answered`. */
  take(max: number): T[] {
    const batch: T[] = [];
    for (const topic of this.wanted) {
      if (batch.length >= max) break;
      batch.push(topic);
    }
    for (const topic of batch) {
      this.wanted.delete(topic);
      this.asked.add(topic);
    }
    return batch;
  }

  /** The answer came for these topics: they may be wanted again. */
  answered(topics: Iterable<T>): void {
    for (const topic of topics) this.asked.delete(topic);
  }

  /** Topics gone from the tree. */
  forget(topics: Iterable<T>): void {
    for (const topic of topics) {
      this.wanted.delete(topic);
      this.asked.delete(topic);
    }
  }
}
