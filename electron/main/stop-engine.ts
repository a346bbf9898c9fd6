/** What stopping needs of the engine's process (Electron's UtilityProcess, or a Node child process in tests). */
export interface StoppableProcess {
  /** Asks the process to stop its engine and exit. */
  requestStop(): void;
  /** Resolves when the process has exited (at once when it already has). */
  exited(): Promise<void>;
  kill(): void;
}

/** How long quitting waits for the engine to flush its storage and disconnect its clients before killing it. */
export const ENGINE_STOP_TIMEOUT_MS = 10_000;

/**
 * Quitting: ask the engine process to stop, wait for it to exit, and kill it when it has not exited within
 * `timeoutMs`. Resolves with how it ended; never rejects.
 */
export async function stopEngineProcess(child: StoppableProcess, timeoutMs = ENGINE_STOP_TIMEOUT_MS): Promise<'exited' | 'killed'> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'killed'>((resolve) => (timer = setTimeout(() => resolve('killed'), timeoutMs)));
  try {
    child.requestStop();
  } catch {
    // Already gone: `exited()` says so.
  }
  const how = await Promise.race([child.exited().then(() => 'exited' as const), timedOut]);
  clearTimeout(timer);
  if (how === 'killed') {
    child.kill();
    await child.exited();
  }
  return how;
}
