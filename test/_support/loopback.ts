import { parse, stringify } from 'yaml';
import { freePort } from './programs';

/** What was changed in a configuration to run it on loopback, one line per change. */
export type Rewrites = string[];

/** What else to rewrite besides `0.0.0.0:<port>` listen addresses. */
export interface LoopbackOptions {
  /** Whole string values (file paths) to replace. */
  readonly paths?: Record<string, string>;
  /**
   * Whole string values that are another component's in-cluster address
   * (`jaeger.tracing.svc:4317`, `http://jaeger.tracing.svc:4318`), to replace with where that
   * component runs on loopback.
   */
  readonly addresses?: Record<string, string>;
  /** Path prefixes to replace (`/var/tempo` -> a temporary directory). */
  readonly pathPrefixes?: Record<string, string>;
  /** Keys whose integer values are listen ports (`http_listen_port`). */
  readonly portKeys?: string[];
}

/**
 * Rewrites a generated configuration (Jaeger v2, collector, Tempo) to run on this machine. Only
 * addresses and file paths change: every `0.0.0.0:<port>` listen address becomes
 * `127.0.0.1:<free port>`, the Prometheus reader's `host`/`port` likewise, integer listen ports
 * under `portKeys` get free ports, paths are mapped to local ones and the given `addresses` of
 * other components to their loopback ones. Everything else is run as generated.
 */
export async function rewriteForLoopback(configYaml: string, opts: LoopbackOptions = {}): Promise<{ yaml: string; ports: Map<number, number>; rewrites: Rewrites }> {
  const paths = opts.paths ?? {};
  const addresses = opts.addresses ?? {};
  const prefixes = Object.entries(opts.pathPrefixes ?? {});
  const portKeys = new Set(opts.portKeys ?? []);
  const doc: unknown = parse(configYaml);
  const ports = new Map<number, number>();
  const rewrites: Rewrites = [];
  const portFor = async (port: number) => {
    if (!ports.has(port)) ports.set(port, await freePort());
    return ports.get(port)!;
  };
  const walk = async (node: unknown, path: string): Promise<unknown> => {
    if (Array.isArray(node)) return Promise.all(node.map((v, i) => walk(v, `${path}[${i}]`)));
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      const obj = node as Record<string, unknown>;
      const isPromReader = obj.host === '0.0.0.0' && typeof obj.port === 'number';
      for (const [k, v] of Object.entries(obj)) {
        if (isPromReader && k === 'host') {
          out[k] = '127.0.0.1';
          rewrites.push(`${path}.host: 0.0.0.0 -> 127.0.0.1`);
        } else if (portKeys.has(k) && typeof v === 'number') {
          out[k] = await portFor(v);
          rewrites.push(`${path}.${k}: ${v} -> ${out[k]}`);
        } else if (isPromReader && k === 'port') {
          out[k] = await portFor(v as number);
          rewrites.push(`${path}.port: ${v} -> ${out[k]}`);
        } else {
          out[k] = await walk(v, `${path}.${k}`);
        }
      }
      return out;
    }
    if (typeof node === 'string') {
      const m = /^0\.0\.0\.0:(\d+)$/.exec(node);
      if (m) {
        const local = `127.0.0.1:${await portFor(Number(m[1]))}`;
        rewrites.push(`${path}: ${node} -> ${local}`);
        return local;
      }
      if (Object.prototype.hasOwnProperty.call(addresses, node)) {
        rewrites.push(`${path}: ${node} -> ${addresses[node]}`);
        return addresses[node];
      }
      if (node in paths) {
        rewrites.push(`${path}: ${node} -> ${paths[node]}`);
        return paths[node];
      }
      const prefix = prefixes.find(([from]) => node === from || node.startsWith(`${from}/`));
      if (prefix) {
        const local = prefix[1] + node.slice(prefix[0].length);
        rewrites.push(`${path}: ${node} -> ${local}`);
        return local;
      }
    }
    return node;
  };
  const rewritten = await walk(doc, '');
  return { yaml: stringify(rewritten, { lineWidth: 0, aliasDuplicateObjects: false }), ports, rewrites };
}

/**
 * Every leaf where two parsed documents differ, as `[path, before, after]` (paths as in the
 * rewrite lines: `.a.b[0]`): what a generated configuration and the one run on loopback differ in.
 */
export function leafDifferences(before: unknown, after: unknown, path = ''): Array<[string, unknown, unknown]> {
  if (before && after && typeof before === 'object' && typeof after === 'object') {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap(k => leafDifferences((before as any)[k], (after as any)[k], Array.isArray(before) ? `${path}[${k}]` : `${path}.${k}`));
  }
  return before === after ? [] : [[path, before, after]];
}
