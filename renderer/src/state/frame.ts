/**
 * Coalesces work to at most once per animation frame (and none while the window is hidden, where browsers pause
 * frames). Stores take their live events in immediately and publish to the views through one of these.
 */
export function perFrame(flush: () => void): () => void {
  let frame = 0;
  return () => {
    frame ||= requestAnimationFrame(() => {
      frame = 0;
      flush();
    });
  };
}

const waiting: (() => void)[] = [];
let channel: MessageChannel | null = null;

/**
 * Runs `work` in a task of its own, soon: what a long job calls between its slices so the page paints and answers in
 * between. A message to itself, not `setTimeout(0)`, which browsers hold back 4 ms once timers nest.
 */
export function nextTask(work: () => void): void {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  waiting.push(work);
  channel.port2.postMessage(null);
}

/**
 * Paces a view's redraws of live changes to at most one per `intervalMs`: `ready` says whether to draw now and, when
 * not, calls `wake` once the interval has passed. An urgent change (the user's own) is drawn at once.
 */
export class RedrawClock {
  private drawnAt = -Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly intervalMs: number, private readonly wake: () => void) {}

  ready(now: number, urgent: boolean): boolean {
    const wait = urgent ? 0 : this.drawnAt + this.intervalMs - now;
    if (wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.wake();
      }, wait);
      return false;
    }
    this.drawnAt = now;
    return true;
  }
}
