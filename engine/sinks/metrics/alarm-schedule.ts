/**
 * When each alarm is next evaluated, on the engine's clock: CloudWatch evaluates an alarm once a period, and a
 * standard alarm (Period a multiple of 60) every minute; a high-resolution one (10 or 30 s) every period. Each
 * alarm is due at the next boundary of its interval after its last evaluation (epoch-aligned, as periods are).
 * One timer serves all alarms and runs only while there are alarms: it sleeps until the earliest one is due, or
 * at most `checkMs` (so a test's fake clock moved forward is noticed within `checkMs`).
 */
export class AlarmSchedule {
  private readonly due = new Map<string, { at: number; ms: number }>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;

  constructor(
    private readonly now: () => number,
    /** Evaluates the alarms that are due; called by the timer. */
    private readonly run: (names: string[]) => Promise<void>,
    private readonly checkMs = 60_000,
  ) {}

  /** Seconds between evaluations of an alarm of this Period. */
  static intervalSeconds(period: number): number {
    return Math.min(period, 60);
  }

  get armed(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The alarm was just evaluated (or created): due again at its next interval boundary. */
  evaluated(name: string, period: number): void {
    const ms = AlarmSchedule.intervalSeconds(period) * 1000;
    this.due.set(name, { at: this.after(this.now(), ms), ms });
    this.arm();
  }

  forget(name: string): void {
    this.due.delete(name);
    if (this.due.size === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** When the alarm is next evaluated (epoch ms), if it is scheduled. */
  next(name: string): number | undefined {
    return this.due.get(name)?.at;
  }

  /** Evaluates every alarm that is due now; the timer calls this, a test may too after moving its clock. */
  async tick(): Promise<void> {
    const now = this.now();
    const names: string[] = [];
    for (const [name, d] of this.due) {
      if (d.at > now) continue;
      d.at = this.after(now, d.ms); // due again next interval, even if its evaluation fails
      names.push(name);
    }
    if (names.length) await this.run(names);
  }

  private after(t: number, ms: number): number {
    return Math.floor(t / ms) * ms + ms;
  }

  private arm(): void {
    if (!this.running || this.timer || this.due.size === 0) return;
    let next = Infinity;
    for (const d of this.due.values()) next = Math.min(next, d.at);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick().finally(() => this.arm());
    }, Math.max(0, Math.min(next - this.now(), this.checkMs)));
    this.timer.unref?.();
  }
}
