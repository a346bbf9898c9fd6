/**
 * Payload bytes of the traffic history, copied into large preallocated segments used round-robin.
 *
 * Copying each payload into its own Buffer made the history allocate an ArrayBuffer slab every few messages and
 * keep every copy alive until it was evicted, which was most of what the garbage collector had to do at high
 * message rates. Here a payload is copied into the current segment and read back as a view. The history keeps the
 * last messages of every topic, so a few messages of quiet topics outlive the busy traffic written around them:
 * before a segment is written over (`reclaim`), its owner copies out what it still holds there. The next segment in
 * the cycle is taken back when it holds nothing, or little (an eighth of it or less), or when the budget allows no
 * more segments; otherwise a new segment is added. So memory follows what the history keeps.
 */
export const SEGMENT_BYTES = 4 * 1024 * 1024;

interface Segment {
  id: number;
  bytes: Buffer;
  /** Messages stored here that the history still holds, and their bytes. */
  live: number;
  liveBytes: number;
}

export interface StoredPayload {
  bytes: Buffer;
  /** Id of the segment it lives in, or -1 for a payload too large for one (kept as its own copy). */
  segment: number;
}

export class PayloadRing {
  /** In write order: after `current` come the segments written longest ago. */
  private readonly cycle: Segment[] = [];
  private readonly byId: Segment[] = [];
  private readonly segmentBytes: number;
  private readonly maxSegments: number;
  private current = -1;
  private offset = 0;

  /**
   * `reclaim(segment)` runs before a segment that was written before is written over: the owner releases (or copies
   * out) every payload it still holds there.
   */
  constructor(maxBytes: number, private readonly reclaim: (segment: number) => void) {
    // At least eight segments where the budget allows, so taking one back touches only a slice of the history.
    this.segmentBytes = Math.max(64 * 1024, Math.min(SEGMENT_BYTES, Math.floor(maxBytes / 8)));
    this.maxSegments = Math.max(1, Math.floor(maxBytes / this.segmentBytes));
  }

  store(payload: Uint8Array): StoredPayload {
    const size = payload.length;
    if (size === 0 || size > this.segmentBytes / 4) return { bytes: Buffer.from(payload), segment: -1 };
    if (this.current < 0 || this.offset + size > this.segmentBytes) this.advance();
    const segment = this.cycle[this.current];
    segment.bytes.set(payload, this.offset);
    segment.live++;
    segment.liveBytes += size;
    const bytes = segment.bytes.subarray(this.offset, this.offset + size);
    this.offset += size;
    return { bytes, segment: segment.id };
  }

  /** The history let go of (or copied out) a payload of `size` bytes stored in `segment`. */
  release(segment: number, size: number): void {
    if (segment < 0) return;
    const s = this.byId[segment];
    s.live--;
    s.liveBytes -= size;
  }

  /** Segments allocated so far (for tests and the memory figures). */
  get segments(): number {
    return this.byId.length;
  }

  private advance(): void {
    this.offset = 0;
    if (this.cycle.length > 0) {
      const next = (this.current + 1) % this.cycle.length;
      const segment = this.cycle[next];
      if (segment.live === 0 || segment.liveBytes <= this.segmentBytes / 8 || this.cycle.length >= this.maxSegments) {
        this.current = next;
        this.reclaim(segment.id);
        segment.live = 0;
        segment.liveBytes = 0;
        return;
      }
    }
    const segment: Segment = { id: this.byId.length, bytes: Buffer.allocUnsafeSlow(this.segmentBytes), live: 0, liveBytes: 0 };
    this.byId.push(segment);
    this.current++;
    this.cycle.splice(this.current, 0, segment); // newest, just before the oldest
  }
}
