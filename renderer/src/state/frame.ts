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
