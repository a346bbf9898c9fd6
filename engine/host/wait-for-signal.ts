/** Resolves on the first SIGINT or SIGTERM; a second one exits at once (exit code 130). */
export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const handler = () => {
      if (stopping) process.exit(130);
      stopping = true;
      resolve();
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
