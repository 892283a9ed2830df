/**
 * The `cdk8s-tracing check` command run in-process as users run it (its `main`), with standard
 * streams of the test's own.
 */
import { resolve } from 'path';
import { main, type CliIo } from '../../constructs/check/cli';

/** What one run of the command gave. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const ROOT = resolve(__dirname, '..', '..');

/** Runs the command with `args`; standard input empty, no terminal, no environment, the repository as working directory, unless `io` says otherwise. */
export function runCli(args: readonly string[], io: Partial<CliIo> = {}): CliRun {
  let stdout = '';
  let stderr = '';
  const code = main(args, {
    stdout: (t) => { stdout += t; },
    stderr: (t) => { stderr += t; },
    stdin: () => '',
    isTTY: false,
    env: {},
    cwd: ROOT,
    ...io,
  });
  return { code, stdout, stderr };
}
