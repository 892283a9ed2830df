/**
 * A real Azure Blob Storage emulator on loopback for tests: Azurite (npm `azurite`, Microsoft's
 * emulator, installed by scripts/programs/azurite.sh into the program cache, not into the
 * project), its blob service alone (`azurite-blob`), on a free port of 127.0.0.1, with its
 * workspace in a temporary directory.
 *
 * The storage account is a custom one with a random key, given through AZURITE_ACCOUNTS (which
 * also switches off the published development account `devstoreaccount1`), so a client that does
 * not sign with exactly that key is refused. Containers are made and listed with the Blob REST API
 * signed with that key (Shared Key authorization, written here: no Azure SDK in the project).
 * Azurite serves the emulator URL form, `http://127.0.0.1:<port>/<account>/<container>/<blob>`.
 */
import { createHmac, randomBytes } from 'crypto';
import { freePort, ProgramSpec, RunningProgram, tempDir, waitFor } from './programs';

export const AZURITE_VERSION = '3.35.0';

/** Azurite's blob service, as scripts/programs/azurite.sh installs it. */
export const AZURE_SERVER: ProgramSpec = { binary: 'azurite-blob', folder: `azurite-${AZURITE_VERSION}`, envVar: 'AZURITE_BIN', script: 'scripts/programs/azurite.sh' };

/** The REST API version the helpers below speak (one Azurite 3.35 serves). */
const API_VERSION = '2021-12-02';

/** A running Azurite blob service. */
export interface AzureServer {
  /** `127.0.0.1:<port>`, plain HTTP: what Tempo's `endpoint_suffix` takes for an emulator. */
  readonly endpoint: string;
  /** The storage account. */
  readonly account: string;
  /** Its key (base64). */
  readonly accountKey: string;
  /** Makes a container (signed `PUT ?restype=container`). */
  createContainer(name: string): Promise<void>;
  /**
   * Names of the blobs in a container, every page (signed `GET ?restype=container&comp=list`).
   * @param signingKey the key to sign with (default: the account's)
   */
  listBlobs(container: string, prefix?: string, signingKey?: string): Promise<string[]>;
  stop(): Promise<void>;
  readonly log: string;
}

/** Starts Azurite's blob service on loopback; resolves once it answers HTTP. */
export async function startAzureServer(bin: string): Promise<AzureServer> {
  const location = tempDir('azurite');
  const port = await freePort();
  const account = 'tempotest';
  const accountKey = randomBytes(64).toString('base64');
  const program = RunningProgram.start(bin, [
    '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', location, '--silent', '--disableTelemetry',
  ], { env: { AZURITE_ACCOUNTS: `${account}:${accountKey}` } });
  const base = `http://127.0.0.1:${port}`;

  /** A request signed with the account key (Shared Key, version 2015-02-21 and later). */
  const signed = async (method: string, path: string, query: Record<string, string>, key = accountKey) => {
    const headers: Record<string, string> = { 'x-ms-date': new Date().toUTCString(), 'x-ms-version': API_VERSION };
    const canonicalHeaders = Object.keys(headers).sort().map(h => `${h}:${headers[h]}\n`).join('');
    // The emulator's resource path starts with the account, which is then named twice.
    const canonicalResource = `/${account}/${account}${path}` + Object.keys(query).sort().map(k => `\n${k.toLowerCase()}:${query[k]}`).join('');
    // VERB, then Content-Encoding, -Language, -Length, -MD5, -Type, Date, If-Modified-Since,
    // If-Match, If-None-Match, If-Unmodified-Since, Range: all empty here.
    const toSign = `${method}\n${'\n'.repeat(11)}${canonicalHeaders}${canonicalResource}`;
    const signature = createHmac('sha256', Buffer.from(key, 'base64')).update(toSign, 'utf8').digest('base64');
    const url = `${base}/${account}${path}?${new URLSearchParams(query)}`;
    const r = await fetch(url, { method, headers: { ...headers, authorization: `SharedKey ${account}:${signature}` }, signal: AbortSignal.timeout(10_000) });
    const text = await r.text();
    if (!r.ok) throw new Error(`Azurite ${method} ${path}: ${r.status} ${text}`);
    return text;
  };

  await waitFor('Azurite to answer', async () => {
    if (!program.running) throw new Error(`azurite-blob exited:\n${program.log}`);
    const r = await fetch(`${base}/${account}?comp=list`);
    await r.arrayBuffer();
    // An unsigned request is refused (403): the server is up and checks the key.
    return r.status > 0 ? true : undefined;
  }, 30_000);

  return {
    endpoint: `127.0.0.1:${port}`,
    account,
    accountKey,
    async createContainer(name: string) {
      await signed('PUT', `/${name}`, { restype: 'container' });
    },
    async listBlobs(container: string, prefix?: string, signingKey?: string) {
      const names: string[] = [];
      let marker = '';
      do {
        const xml = await signed('GET', `/${container}`, { comp: 'list', restype: 'container', ...(prefix ? { prefix } : {}), ...(marker ? { marker } : {}) }, signingKey);
        for (const m of xml.matchAll(/<Blob>\s*<Name>([^<]*)<\/Name>/g)) names.push(unescapeXml(m[1]));
        marker = /<NextMarker>([^<]*)<\/NextMarker>/.exec(xml)?.[1] ?? '';
      } while (marker);
      return names;
    },
    stop: () => program.stop(5000),
    get log() { return program.log; },
  };
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, '\'').replace(/&amp;/g, '&');
}
