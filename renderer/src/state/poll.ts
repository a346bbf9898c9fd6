/**
 * Runs `read` now and then every `everyMs` until the returned function is called; a read still running when the
 * next is due is not started twice (a slow engine never piles reads up).
 */
export function poll(read: () => Promise<void>, everyMs: number): () => void {
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    void read().finally(() => { running = false; });
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return () => clearInterval(timer);
}
