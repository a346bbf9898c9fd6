/**
 * Payload bytes of the traffic history, copied into large preallocated segments used round-robin.
 *
 * Copying each payload into its own Buffer made the history allocate an ArrayBuffer slab every few messages and
 * keep every copy alive until it was evicted, which was most of what the garbage collector had to do at high
 * message rates. Here a payload is copied into the current segment and read back as a view. Segments are added
 * only while the next one in the cycle still holds messages, so memory follows what the history keeps (its message
 * count usually binds first); at the byte budget the writer takes the next segment back, and the caller is told
 * (`reclaim`) first so it can forget every message whose bytes lived there.
 */
export const SEGMENT_BYTES = 4 * 1024 * 1024;

interface Segment {
  id: number;
  bytes: Buffer;
  /** Messages stored here that the history still holds. */
  live: number;
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

  /** `reclaim(segment)` runs before a segment still holding messages is written over: forget them. */
  constructor(maxBytes: number, private readonly reclaim: (segment: number) => void) {
    // At least eight segments where the budget allows, so taking one back forgets only the oldest slice of history.
    this.segmentBytes = Math.max(64 * 1024, Math.min(SEGMENT_BYTES, Math.floor(maxBytes / 8)));
    this.maxSegments = Math.max(1, Math.floor(maxBytes / this.segmentBytes));
  }

  store(payload: Uint8Array): StoredPayload {
    const size = payload.length;
    if (size > this.segmentBytes / 4) return { bytes: Buffer.from(payload), segment: -1 };
    if (this.current < 0 || this.offset + size > this.segmentBytes) this.advance();
    const segment = this.cycle[this.current];
    segment.bytes.set(payload, this.offset);
    segment.live++;
    const bytes = segment.bytes.subarray(this.offset, this.offset + size);
    this.offset += size;
    return { bytes, segment: segment.id };
  }

  /** The history let go of a message stored in `segment`. */
  release(segment: number): void {
    if (segment >= 0) this.byId[segment].live--;
  }

  private advance(): void {
    this.offset = 0;
    const next = (this.current + 1) % Math.max(1, this.cycle.length);
    if (this.cycle.length > 0 && this.cycle[next].live === 0) {
      this.current = next;
    } else if (this.cycle.length < this.maxSegments) {
      const segment: Segment = { id: this.byId.length, bytes: Buffer.allocUnsafeSlow(this.segmentBytes), live: 0 };
      this.byId.push(segment);
      this.current++;
      this.cycle.splice(this.current, 0, segment); // newest, just before the oldest
    } else {
      this.current = next;
      this.reclaim(this.cycle[next].id);
    }
  }
}
