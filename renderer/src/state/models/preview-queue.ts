/**
 * Topics whose rows are on screen without a payload preview (their statistics came from the compact topic table):
 * each is asked for once, in batches.
 */
export class PreviewQueue {
  private readonly wanted = new Set<string>();
  private readonly asked = new Set<string>();

  /** Notes a topic shown without its preview; returns true when it is newly wanted. */
  want(topic: string): boolean {
    if (this.asked.has(topic) || this.wanted.has(topic)) return false;
    this.wanted.add(topic);
    return true;
  }

  get pending(): number {
    return this.wanted.size;
  }

  /** The next batch to ask for, at most `max`; they count as asked from now on. */
  take(max: number): string[] {
    const batch: string[] = [];
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
}
