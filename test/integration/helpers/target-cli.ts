/** The `thingbench` CLI for target tests: run to the end, or wait for a JSON line a long-running command prints. */
import { runCli, type CliProcess } from './cli-process.js';

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `thingbench ...args` to its end. */
export async function cli(args: readonly string[]): Promise<Finished> {
  const p = runCli(args);
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** The JSON lines on a process's stdout so far. */
export function jsonLines(p: CliProcess): Array<Record<string, unknown>> {
  return p.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Resolves with the first JSON line on stdout that `match` accepts; rejects when the process ends first or after `ms`. */
export function waitForLine(p: CliProcess, match: (line: Record<string, unknown>) => boolean, ms = 20_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = jsonLines(p).find(match);
      if (!line) return false;
      clearTimeout(timer);
      p.child.stdout.off('data', check);
      resolve(line);
      return true;
    };
    const timer = setTimeout(() => {
      p.child.stdout.off('data', check);
      reject(new Error(`no matching line after ${ms} ms; stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`));
    }, ms);
    if (check()) return;
    p.child.stdout.on('data', check);
    void p.exited.then(({ code }) => {
      if (check()) return;
      clearTimeout(timer);
      reject(new Error(`thingbench exited (${code}) first; stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`));
    });
  });
}
