/** The run's undo stack: unwound last-in first-out at the end of every run, whatever ended it. */
import type { CleanupStack } from '../steps/step.js';

export interface CleanupEntry {
  description: string;
  fn: () => Promise<void>;
}

export class RunCleanup implements CleanupStack {
  private readonly entries: CleanupEntry[] = [];

  push(description: string, fn: () => Promise<void>): void {
    this.entries.push({ description, fn });
  }

  get size(): number {
    return this.entries.length;
  }

  /** Runs every entry, newest first; one that fails (or takes longer than `timeoutMs`) is reported and the rest still run. */
  async unwind(report: (description: string, error?: string) => void, timeoutMs = 30_000): Promise<string[]> {
    const errors: string[] = [];
    while (this.entries.length) {
      const { description, fn } = this.entries.pop()!;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          fn(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`did not finish within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        report(description);
      } catch (e) {
        const text = `${description}: ${(e as Error).message}`;
        errors.push(text);
        report(description, (e as Error).message);
      } finally {
        clearTimeout(timer);
      }
    }
    return errors;
  }
}
