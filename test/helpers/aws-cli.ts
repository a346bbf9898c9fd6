/**
 * The AWS CLI as users run it: Debian's AWS CLI v2 at /usr/bin/aws (what CI installs), never whichever `aws` comes
 * first on PATH. Every run gets a clean, explicit environment: dummy (or given) credentials, us-east-1, no pager, no
 * user config or credentials files, nothing inherited from the shell (a pyenv PYTHONPATH, an AWS_PROFILE, ...).
 * Tests that need it skip, with the reason, only when /usr/bin/aws is absent.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { describe, it } from 'vitest';

export const AWS_CLI = '/usr/bin/aws';

/** Why AWS CLI tests skip on this machine; undefined when /usr/bin/aws is installed. */
export const awsCliMissing: string | undefined = fs.existsSync(AWS_CLI)
  ? undefined
  : `${AWS_CLI} is not installed (Debian's awscli package, AWS CLI v2)`;

export interface AwsCliOptions {
  /** `--endpoint-url` (the engine's HTTP endpoint). */
  endpoint: string;
  /** Signing key; dummy credentials by default (the engine trusts loopback). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  cwd?: string;
}

export interface AwsCliResult {
  /** Exit status: 0, 252 (bad arguments), 253 (configuration), 254 (the service answered an error), 255 (anything else). */
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment every CLI run gets, and nothing else. */
export function awsCliEnv(credentials = { accessKeyId: 'x', secretAccessKey: 'x' }): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/bin:/bin',
    HOME: '/nonexistent',
    LANG: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** Runs `/usr/bin/aws <args> --endpoint-url <endpoint>`; resolves with the exit status and output (never rejects on a non-zero exit). */
export function runAwsCli(args: string[], opts: AwsCliOptions): Promise<AwsCliResult> {
  return new Promise((resolve, reject) => {
    execFile(AWS_CLI, [...args, '--endpoint-url', opts.endpoint], { env: awsCliEnv(opts.credentials), cwd: opts.cwd, encoding: 'utf8', maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error); // could not run it at all
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
  });
}

/** A CLI run that exited non-zero. */
export class AwsCliError extends Error {
  constructor(readonly args: string[], readonly code: number, readonly stdout: string, readonly stderr: string) {
    super(`aws ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
  }
}

/** Runs the CLI and parses its JSON output ({} for none); rejects with an AwsCliError when it exits non-zero. */
export async function awsCliJson(args: string[], opts: AwsCliOptions): Promise<Record<string, any>> {
  const r = await runAwsCli(args, opts);
  if (r.code !== 0) throw new AwsCliError(args, r.code, r.stdout, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) as Record<string, any> : {};
}

/**
 * `describe` when /usr/bin/aws is installed (and nothing else in `otherMissing` is missing); otherwise one test that
 * is skipped with the reason, so the report says why.
 */
export function describeAwsCli(name: string, body: () => void, otherMissing?: string): void {
  const missing = awsCliMissing ?? otherMissing;
  if (missing === undefined) describe(name, body);
  else describe(name, () => it('needs the AWS CLI', (ctx) => ctx.skip(missing)));
}
