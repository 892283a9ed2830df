/**
 * A real S3-compatible server on loopback for tests: VersityGW (github.com/versity/versitygw,
 * built by scripts/programs/s3.sh) with its posix backend, in a temporary directory, on a free
 * port of 127.0.0.1, with root credentials passed in its environment. A bucket of the posix
 * backend is a directory under the root, so buckets are made with `mkdir`, by the server's own
 * rules; objects written over S3 appear as files under it.
 */
import { mkdirSync } from 'fs';
import { join } from 'path';
import { freePort, ProgramSpec, RunningProgram, tempDir, waitFor } from './programs';

export const VERSITYGW_VERSION = '1.8.0';

/** The S3 server the suite builds. */
export const S3_SERVER: ProgramSpec = { binary: 'versitygw', folder: `versitygw-${VERSITYGW_VERSION}`, envVar: 'S3_SERVER_BIN', script: 'scripts/programs/s3.sh' };

/** A running S3 server. */
export interface S3Server {
  /** `127.0.0.1:<port>`, plain HTTP. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The directory that holds the buckets. */
  readonly root: string;
  /** Makes a bucket; returns its directory. */
  createBucket(name: string): string;
  stop(): Promise<void>;
  readonly log: string;
}

/** Options of {@link startS3Server}. */
export interface S3ServerOptions {
  /** The region the server signs for (a request signed for another is refused). @default us-east-1 */
  readonly region?: string;
}

/** Starts VersityGW (posix backend) on loopback; resolves once it answers HTTP. */
export async function startS3Server(bin: string, opts: S3ServerOptions = {}): Promise<S3Server> {
  const root = join(tempDir('s3'), 'buckets');
  mkdirSync(root);
  const port = await freePort();
  const accessKeyId = 'tempo-test';
  const secretAccessKey = `secret-${process.pid}-${Date.now()}`;
  const program = RunningProgram.start(bin, ['--port', `127.0.0.1:${port}`, '--region', opts.region ?? 'us-east-1', 'posix', root], {
    env: { ROOT_ACCESS_KEY_ID: accessKeyId, ROOT_SECRET_ACCESS_KEY: secretAccessKey },
  });
  await waitFor('versitygw to answer', async () => {
    if (!program.running) throw new Error(`versitygw exited:\n${program.log}`);
    const r = await fetch(`http://127.0.0.1:${port}/`);
    // Unsigned requests are refused (403): the server is up and checks credentials.
    return r.status > 0 ? true : undefined;
  }, 20_000);
  return {
    endpoint: `127.0.0.1:${port}`,
    accessKeyId,
    secretAccessKey,
    root,
    createBucket(name: string) {
      const dir = join(root, name);
      mkdirSync(dir);
      return dir;
    },
    stop: () => program.stop(5000),
    get log() { return program.log; },
  };
}
