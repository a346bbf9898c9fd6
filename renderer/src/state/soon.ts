/**
 * Reads again soon after a change event: requests within `delayMs` share one read, and a request made while a read
 * runs starts one more after it (so the last change is always read, and reads never pile up on a busy engine).
 */
export function readSoon(read: () => Promise<void>, delayMs: number): { request(): void; dispose(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  let disposed = false;
  const run = async () => {
    timer = undefined;
    if (running) { again = true; return; }
    running = true;
    try {
      await read();
    } finally {
      running = false;
      if (again && !disposed) { again = false; request(); }
    }
  };
  const request = () => { if (!disposed) timer ??= setTimeout(() => void run(), delayMs); };
  return { request, dispose: () => { disposed = true; clearTimeout(timer); } };
}
