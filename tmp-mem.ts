import { App, Chart, Size } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import * as lib from './constructs';
import { renderApp, writeRenderedApp } from './constructs/_rendered-app';
import { validationErrors } from './constructs/synthesis';
const gc = (global as any).gc as () => void;
const mem = (label: string) => { gc(); const m = process.memoryUsage(); console.log(label.padEnd(12), 'heap', (m.heapUsed/1e6).toFixed(0), 'rss', (m.rss/1e6).toFixed(0), 'maxrss', (process.resourceUsage().maxRSS/1024).toFixed(0)); };
mem('loaded');
const app = new App({ outdir: '/tmp/sz/mem' });
const chart = new Chart(app, 'bench', { namespace: 'bench', disableResourceNameHashes: true });
const gateway = new lib.OtelCollector(chart, 'gateway', { mode: lib.CollectorMode.GATEWAY, exportTo: [new lib.TempoMonolithic(chart, 'tempo')] });
const N = Number(process.argv[2] ?? 5000);
for (let i = 0; i < N; i++) {
  const name = `svc-${i}`;
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'bench' };
  const d = new plus.Deployment(chart, name, { metadata: { name, labels }, podMetadata: { labels }, replicas: 2, automountServiceAccountToken: false, securityContext: { ensureNonRoot: true, user: 10001, group: 10001 } });
  d.addContainer({ name, image: `registry.example.com/${name}:1.0.0`, portNumber: 8080, imagePullPolicy: plus.ImagePullPolicy.IF_NOT_PRESENT,
    securityContext: { ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, user: 10001, group: 10001 },
    resources: { cpu: { request: plus.Cpu.millis(100) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } },
    readiness: plus.Probe.fromHttpGet('/readyz', { port: 8080 }) });
  if (process.argv[3] !== 'plain') lib.instrumentWorkload(d, { exportTo: gateway, resourceAttributes: { 'service.version': '1.0.0' } });
}
mem('built');
const errors = validationErrors(app); mem('validated ' + errors.length);
const rendered = renderApp(app); mem('rendered');
const inspector = require('inspector'); const session = new inspector.Session(); session.connect();
const post = (m: string, p?: any) => new Promise<any>((res, rej) => session.post(m, p, (e: any, r: any) => e ? rej(e) : res(r)));
(async () => {
if (process.env.PROF) await post('HeapProfiler.enable');
if (process.env.PROF) await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
{ const { dump } = process.env.JY === 'cdk8s' ? { dump: (d: any) => require('cdk8s').Yaml.stringify(d) } : require(process.env.JY ?? 'js-yaml'); let n = 0; const t = Date.now(); for (const c of rendered.charts) for (const m of c.manifests) n += dump(m, { lineWidth: -1, noRefs: true, quoteStyle: 'double' }).length; console.log('dumped', n, Date.now() - t, 'ms', 'heap', (process.memoryUsage().heapUsed / 1e6).toFixed(0)); }
if (!process.env.PROF) return; const { profile } = await post('HeapProfiler.stopSampling');
const tot = new Map<string, number>();
const walk = (node: any, stack: string[]) => { const cf = node.callFrame; const here = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*node_modules\//, '')}:${cf.lineNumber}`; const st = [...stack, here]; if (node.selfSize) { const k = st.slice(-4).join(' < '); tot.set(k, (tot.get(k) ?? 0) + node.selfSize); } for (const c of node.children) walk(c, st); };
walk(profile.head, []);
console.log([...tot].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${(v / 1e6).toFixed(1)} MB ${k}`).join('\n'));
})();
/*if (process.argv[4] === 'json') { let n = 0; for (const c of rendered.charts) for (const m of c.manifests) n += JSON.stringify(m).length; mem('json ' + n); }
writeRenderedApp(app, rendered); mem('written');
import { dump } from 'js-yaml';
let bad = 0; let first: any;
for (const c of rendered.charts) for (const m of c.manifests) { try { dump(m, { lineWidth: -1, noRefs: true, quoteStyle: 'double' } as any); } catch (e) { bad++; first ??= [e, m]; } }
console.log('dump failures', bad, first && String(first[0]).slice(0, 300));
{ const { dump } = require('js-yaml'); const m = rendered.charts[0].manifests.find((x: any) => x.metadata?.name === 'svc-7'); const y = dump(m, { lineWidth: -1, noRefs: true, quoteStyle: 'double' }); console.log(rendered.charts.length, rendered.charts[0].manifests.length, y.length); console.log(y); }
*/