import { parse } from 'yaml';
import { buildApp } from '../../main';
import { podTemplateOf } from '../_support/policy';
import { Manifest } from '../_support/synth';
import { buildTempo2Variants, buildVariants } from './_variants';

/**
 * Every path a Tempo process writes to, from the source of the release the rendering targets
 * (v3.0.3: tempodb/wal, modules/livestore, modules/blockbuilder, modules/backendscheduler,
 * modules/generator, tempodb/backend/local; 2.x: ingester WAL and local blocks). Keys that are
 * absent fall back to these defaults, most under /var/tempo, and every component that opens the
 * trace store creates the WAL folder even when it does not use it. With a read-only root
 * filesystem each must be on a mounted writable volume; data that must survive a restart (the
 * live-store's WAL, monolithic Tempo's WAL and local blocks) on a persistent one.
 */
const WRITE_PATHS: Array<{ key: string[]; fallback?: string; persistent: 'always' | 'monolithic-or-live-store' | 'never' }> = [
  { key: ['storage', 'trace', 'wal', 'path'], fallback: '/var/tempo/wal', persistent: 'monolithic-or-live-store' },
  { key: ['storage', 'trace', 'local', 'path'], persistent: 'always' },
  { key: ['live_store', 'wal', 'path'], fallback: '/var/tempo/live-store/traces', persistent: 'monolithic-or-live-store' },
  { key: ['live_store', 'shutdown_marker_dir'], fallback: '/var/tempo/live-store/shutdown-marker', persistent: 'monolithic-or-live-store' },
  { key: ['block_builder', 'wal', 'path'], fallback: '/var/tempo/block-builder/traces', persistent: 'never' },
  { key: ['backend_scheduler', 'local_work_path'], fallback: '/var/tempo', persistent: 'never' },
  { key: ['metrics_generator', 'storage', 'path'], persistent: 'never' },
];

interface Pod { name: string; target: string; config: Record<string, unknown>; mounts: Array<{ path: string; writable: boolean; persistent: boolean }> }

function tempoPods(objects: Manifest[]): Pod[] {
  const configMaps = new Map(objects.filter(o => o.kind === 'ConfigMap').map(o => [o.metadata.name, (o as any).data ?? {}]));
  return objects.flatMap(o => {
    const pod = podTemplateOf(o);
    const c = pod?.spec?.containers?.find((x: any) => String(x.image).startsWith('grafana/tempo:'));
    if (!pod || !c) return [];
    const volumes = new Map<string, any>((pod.spec.volumes ?? []).map((v: any) => [v.name, v]));
    const claims = new Set(((o as any).spec?.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name));
    const configVolume = volumes.get('config');
    const config = parse(configMaps.get(configVolume.configMap.name)['tempo.yaml']) as Record<string, unknown>;
    const target = (c.args as string[]).find(a => a.startsWith('-target='))?.slice(8) ?? String(config.target ?? 'all');
    const mounts = (c.volumeMounts as any[]).map(m => {
      const v = volumes.get(m.name);
      const persistent = claims.has(m.name) || v?.persistentVolumeClaim !== undefined;
      const writable = !m.readOnly && (persistent || v?.emptyDir !== undefined);
      return { path: m.mountPath as string, writable, persistent };
    });
    return [{ name: `${o.kind}/${o.metadata.name}`, target, config, mounts }];
  });
}

function lookup(config: Record<string, unknown>, key: string[]): string | undefined {
  let node: unknown = config;
  for (const k of key) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined;
  return typeof node === 'string' ? node : undefined;
}

function problems(pod: Pod): string[] {
  const out: string[] = [];
  for (const p of WRITE_PATHS) {
    const path = lookup(pod.config, p.key) ?? p.fallback;
    if (!path) continue;
    const mount = pod.mounts
      .filter(m => path === m.path || path.startsWith(`${m.path.replace(/\/$/, '')}/`))
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (!mount || !mount.writable) {
      out.push(`${pod.name}: ${p.key.join('.')} = ${path} is not on a writable volume`);
      continue;
    }
    const mustPersist = p.persistent === 'always' || (p.persistent === 'monolithic-or-live-store' && (pod.target === 'all' || pod.target === 'live-store'));
    if (mustPersist && !mount.persistent) out.push(`${pod.name}: ${p.key.join('.')} = ${path} is not on a persistent volume`);
  }
  return out;
}

const sets: Array<[string, Manifest[]]> = [
  ['example stacks', buildApp().charts.flatMap(c => c.toJson() as Manifest[])],
  ...buildVariants().map(v => [`variant ${v.name}`, v.objects] as [string, Manifest[]]),
  ...buildTempo2Variants().map(v => [`Tempo 2 variant ${v.name}`, v.objects] as [string, Manifest[]]),
];

describe('every path Tempo writes to is on a mounted volume (read-only root filesystem)', () => {
  test.each(sets)('%s', (_name, objects) => {
    const pods = tempoPods(objects);
    expect(pods.length).toBeGreaterThan(0);
    expect(pods.flatMap(problems)).toStrictEqual([]);
  });

  test('fails if the data volume is missing or not persistent where it must be', () => {
    const objects = JSON.parse(JSON.stringify(sets[0][1])) as any[];
    const liveStore = objects.find(o => o.kind === 'StatefulSet' && /live-store/.test(o.metadata.name));
    liveStore.spec.volumeClaimTemplates = [];
    liveStore.spec.template.spec.volumes.push({ name: 'data', emptyDir: {} });
    const querier = objects.find(o => o.kind === 'Deployment' && /querier/.test(o.metadata.name));
    const c = querier.spec.template.spec.containers[0];
    c.volumeMounts = c.volumeMounts.filter((m: any) => m.name !== 'data');
    const found = tempoPods(objects).flatMap(problems);
    expect(found).toContain(`StatefulSet/${liveStore.metadata.name}: live_store.wal.path = /var/tempo/live-store/traces is not on a persistent volume`);
    expect(found).toContain(`Deployment/${querier.metadata.name}: storage.trace.wal.path = /var/tempo/wal is not on a writable volume`);
  });
});
