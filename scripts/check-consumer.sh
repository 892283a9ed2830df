#!/usr/bin/env bash
# Installs the packed library into a throwaway platform project outside the repository, next to
# that project's own cdk8s, cdk8s-plus-28, constructs, TypeScript and @types/node, as another
# repository would; type-checks (strict) and compiles a program that passes the project's own
# Duration and Size values and cdk8s-plus Deployment to the constructs; runs it with node; and
# checks what it wrote, that the tarball holds what users need and nothing else, and that the
# project has one copy of cdk8s, cdk8s-plus-28 and constructs.
#
# Run after `npm run build` (`npm run check:consumer`). The consumer's versions default to this
# repository's lockfile; CDK8S_VERSION, CDK8S_PLUS_VERSION, CONSTRUCTS_VERSION, TYPESCRIPT_VERSION
# and TYPES_NODE_VERSION override them (to check the ends of the supported peer ranges).
# KEEP=1 keeps the temporary directory. Prints one summary line; exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

fail() { printf 'check-consumer: FAILED: %s\n' "$*" >&2; exit 1; }
ms() { date +%s%3N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fs", (b - a) / 1000 }'; }
locked() { node -p "require('./package-lock.json').packages['node_modules/$1'].version"; }

cdk8s_v="${CDK8S_VERSION:-$(locked cdk8s)}"
plus_v="${CDK8S_PLUS_VERSION:-$(locked cdk8s-plus-28)}"
constructs_v="${CONSTRUCTS_VERSION:-$(locked constructs)}"
typescript_v="${TYPESCRIPT_VERSION:-$(locked typescript)}"
types_node_v="${TYPES_NODE_VERSION:-$(locked @types/node)}"

[ -f lib/constructs/index.js ] || fail "lib/ is not built: run npm run build first"
newer="$(find constructs imports -name '*.ts' -newer lib/constructs/index.js | head -1)"
[ -z "$newer" ] || fail "lib/ is older than $newer: run npm run build first"

work="$(mktemp -d)"
case "$work" in "$root"/*) fail "temporary directory $work is inside the repository" ;; esac
if [ "${KEEP:-}" = 1 ]; then echo "check-consumer: keeping $work"; else trap 'rm -rf "$work"' EXIT; fi

# 1. Pack, and check the tarball's file list.
t0=$(ms)
npm pack --json --pack-destination "$work" > "$work/pack.json" 2> "$work/pack.log" || { cat "$work/pack.log" >&2; fail "npm pack"; }
t1=$(ms)
tarball="$work/$(node -p "require('$work/pack.json')[0].filename")"
pack_summary="$(node - "$work/pack.json" <<'EOF'
const [{ files, size, unpackedSize }] = require(process.argv[2]);
const paths = files.map(f => f.path);
const required = ['LICENSE', 'README.md', 'package.json', 'lib/constructs/index.js', 'lib/constructs/index.d.ts'];
const missing = required.filter(p => !paths.includes(p));
const unwanted = paths.filter(p => /(^|\/)(test|__snapshots__|fixtures)\/|\.test\.|\.map$|\.tsbuildinfo$|^(constructs|imports|scripts|main)[./]/.test(p) || (/\.ts$/.test(p) && !/\.d\.ts$/.test(p)));
if (missing.length || unwanted.length) {
  console.error(`tarball: missing ${JSON.stringify(missing)}, unwanted ${JSON.stringify(unwanted.slice(0, 10))}`);
  process.exit(1);
}
console.log(`${paths.length} files, ${Math.round(size / 1024)} kB packed, ${Math.round(unpackedSize / 1024)} kB unpacked`);
EOF
)" || fail "tarball contents"

# 2. A platform project of its own, outside the repository.
app="$work/platform"
mkdir -p "$app"
cd "$app"
cat > package.json <<'EOF'
{ "name": "platform", "version": "1.0.0", "private": true, "scripts": {} }
EOF
t2=$(ms)
npm install --no-audit --no-fund --prefer-offline --loglevel=error \
  "$tarball" "cdk8s@$cdk8s_v" "cdk8s-plus-28@$plus_v" "constructs@$constructs_v" \
  "typescript@$typescript_v" "@types/node@$types_node_v" > "$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; fail "npm install of the tarball beside cdk8s $cdk8s_v, cdk8s-plus-28 $plus_v, constructs $constructs_v"; }
t3=$(ms)

cat > tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022", "module": "commonjs", "moduleResolution": "node", "lib": ["ES2022"],
    "strict": true, "noImplicitReturns": true, "noUnusedLocals": true, "esModuleInterop": true,
    "types": ["node"], "outDir": "build", "rootDir": "."
  },
  "files": ["main.ts"]
}
EOF
cat > main.ts <<'EOF'
import { App, Chart, Duration, Size } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import {
  CollectorMode, OtelCollector, SamplingPolicy, StrimziKafka, TailSamplingPolicy, TempoMonolithic, TraceSearch, TracingMonitoring, TracingPreset,
  TracingStack, instrumentWorkload, synthesizeApp,
} from 'cdk8s-tracing';

const app = new App({ outdir: 'dist' });

const tracing = new Chart(app, 'tracing', { namespace: 'tracing' });
const jaeger = new TracingStack(tracing, 'tracing', { preset: TracingPreset.DEV });
const tempo = new TempoMonolithic(tracing, 'tempo', { retention: Duration.days(3), volume: { size: Size.gibibytes(5) } });

const policy = new SamplingPolicy({
  ratio: 0.1,
  tail: {
    keepSlowerThan: Duration.millis(500),
    decisionWait: Duration.seconds(5),
    keep: { 'very-slow': TailSamplingPolicy.latency(Duration.seconds(2)) },
  },
});
const gateway = new OtelCollector(tracing, 'gateway', {
  mode: CollectorMode.GATEWAY, replicas: 1, exportTo: [jaeger, tempo], tailSampling: policy,
  queue: { initialInterval: Duration.seconds(1), maxInterval: Duration.seconds(10) },
});
new TracingMonitoring(tracing, 'monitoring', { labels: { release: 'kube-prometheus-stack' } });

const queue = new Chart(app, 'queue', { namespace: 'kafka' });
new StrimziKafka(queue, 'kafka', { retention: Duration.hours(12), brokers: { storage: { size: Size.gibibytes(20) } } });

const apps = new Chart(app, 'shop', { namespace: 'shop' });
const checkout = new plus.Deployment(apps, 'checkout', { containers: [{ image: 'example/checkout:1.0.0', portNumber: 8080 }] });
instrumentWorkload(checkout, { exportTo: gateway, sampling: policy });

console.log(TraceSearch.slowRequests({ service: 'checkout', minDuration: Duration.millis(250) }).toTraceQL());
synthesizeApp(app);
EOF

# 3. Type-check (strict, the library's declarations included) and compile with the project's tsc; run with node.
t4=$(ms)
node_modules/.bin/tsc -p . > "$work/tsc.log" 2>&1 || { cat "$work/tsc.log" >&2; fail "the consumer program does not type-check against the installed package"; }
t5=$(ms)
node build/main.js > "$work/synth.log" 2>&1 || { cat "$work/synth.log" >&2; fail "the consumer program failed"; }
t6=$(ms)
# The package's command (bin cdk8s-tracing, its packaged Kubernetes schemas) on what the program
# wrote: no error (exit 0). Its own sample Deployment may draw policy warnings; they do not fail it.
npx --no cdk8s-tracing check dist/ > "$work/check.log" 2>&1 || { cat "$work/check.log" >&2; fail "npx cdk8s-tracing check dist/ on what the consumer synthesized"; }
checked="$(tail -1 "$work/check.log")"

# 4. What it wrote, and one copy of each peer.
objects="$(node - <<'EOF'
const fs = require('fs');
const { parseAllDocuments } = require('yaml');
const want = {
  'tracing.k8s.yaml': ['Deployment/jaeger', 'Service/jaeger', 'StatefulSet/tempo', 'Deployment/otel-gateway', 'ConfigMap/otel-gateway-config', 'PodMonitor/otel-gateway', 'PrometheusRule/tracing-alerts', 'NetworkPolicy/otel-gateway'],
  'queue.k8s.yaml': ['Kafka/', 'KafkaNodePool/', 'KafkaTopic/'],
  'shop.k8s.yaml': ['Deployment/shop-checkout-'],
};
const problems = [];
let count = 0;
for (const [file, names] of Object.entries(want)) {
  const path = `dist/${file}`;
  if (!fs.existsSync(path)) { problems.push(`${path} not written`); continue; }
  const docs = parseAllDocuments(fs.readFileSync(path, 'utf8')).map(d => d.toJS()).filter(Boolean);
  count += docs.length;
  const have = docs.map(o => `${o.kind}/${o.metadata.name}`);
  for (const n of names) if (!have.some(h => /[-/]$/.test(n) ? h.startsWith(n) : h === n)) problems.push(`${path} has no ${n} (has ${have.join(', ')})`);
  if (file === 'tracing.k8s.yaml') {
    const cm = docs.find(o => o.kind === 'ConfigMap' && o.metadata.name === 'otel-gateway-config');
    const tail = cm && require('yaml').parse(cm.data['config.yaml']).processors.tail_sampling;
    const slow = tail?.policies.find(p => p.type === 'latency' && p.latency.threshold_ms === 500);
    if (!slow || tail.decision_wait !== '5s') problems.push(`the gateway's tail_sampling lacks the 500 ms latency policy or the 5s decision wait: ${JSON.stringify(tail)}`);
    const pvc = docs.find(o => o.kind === 'StatefulSet' && o.metadata.name === 'tempo')?.spec.volumeClaimTemplates?.[0];
    if (pvc?.spec.resources.requests.storage !== '5120Mi') problems.push(`tempo's volume claim is not Size.gibibytes(5): ${JSON.stringify(pvc)}`);
  }
  if (file === 'queue.k8s.yaml') {
    const sizes = docs.filter(o => o.kind === 'KafkaNodePool').map(o => o.spec.storage.volumes[0].size);
    if (!sizes.includes('20Gi')) problems.push(`no KafkaNodePool of Size.gibibytes(20): ${JSON.stringify(sizes)}`);
  }
  if (file === 'shop.k8s.yaml') {
    const env = docs.find(o => o.kind === 'Deployment').spec.template.spec.containers[0].env ?? [];
    if (!env.some(v => v.name === 'OTEL_EXPORTER_OTLP_ENDPOINT' && v.value === 'http://otel-gateway.tracing.svc:4318')) problems.push(`checkout is not instrumented: ${JSON.stringify(env)}`);
  }
}
if (problems.length) { console.error(problems.join('\n')); process.exit(1); }
console.log(count);
EOF
)" || fail "synthesized output"

for peer in cdk8s cdk8s-plus-28 constructs; do
  copies="$(find . -path "*/node_modules/$peer/package.json" | wc -l)"
  [ "$copies" = 1 ] || { npm ls "$peer" --all >&2 || true; fail "$copies copies of $peer in the consumer's node_modules"; }
done
npm ls cdk8s cdk8s-plus-28 constructs --all > "$work/ls.log" 2>&1 || { cat "$work/ls.log" >&2; fail "npm ls reports a problem with the peers"; }

# 5. The Pulumi entry point. Without the optional peers, the program above ran and
# `cdk8s-tracing/pulumi` names what is missing; with them, the repository's Pulumi example compiles
# against the package and registers every object of its chart under Pulumi's mocks.
[ ! -d node_modules/@pulumi ] || fail "the Pulumi packages were installed with the library: they must stay optional"
missing="$(node -e "try { require('cdk8s-tracing/pulumi'); } catch (e) { console.log(e.message.split('\n')[0]); }")"
case "$missing" in *"@pulumi/"*) ;; *) fail "cdk8s-tracing/pulumi without @pulumi installed: expected a missing-module error, got '$missing'" ;; esac
pulumi_v="${PULUMI_VERSION:-$(cd "$root" && locked @pulumi/pulumi)}"
pulumi_k8s_v="${PULUMI_KUBERNETES_VERSION:-$(cd "$root" && locked @pulumi/kubernetes)}"
t7=$(ms)
npm install --no-audit --no-fund --prefer-offline --loglevel=error "@pulumi/pulumi@$pulumi_v" "@pulumi/kubernetes@$pulumi_k8s_v" > "$work/install-pulumi.log" 2>&1 \
  || { cat "$work/install-pulumi.log" >&2; fail "npm install of @pulumi/pulumi $pulumi_v and @pulumi/kubernetes $pulumi_k8s_v"; }
t8=$(ms)
mkdir -p pulumi
cp "$root/examples/pulumi/production.ts" "$root/examples/pulumi/index.ts" "$root/examples/pulumi/mocks.ts" "$root/examples/pulumi/Pulumi.yaml" pulumi/
cat > pulumi/tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022", "module": "commonjs", "moduleResolution": "node", "lib": ["ES2022"],
    "strict": true, "noImplicitReturns": true, "noUnusedLocals": true, "esModuleInterop": true,
    "types": ["node"], "outDir": "build", "rootDir": "."
  },
  "files": ["index.ts", "production.ts", "mocks.ts"]
}
EOF
node_modules/.bin/tsc -p pulumi > "$work/tsc-pulumi.log" 2>&1 || { cat "$work/tsc-pulumi.log" >&2; fail "the Pulumi example does not type-check against the installed package"; }
pulumi_objects="$(node pulumi/build/mocks.js 2> "$work/mocks.log")" || { cat "$work/mocks.log" >&2; fail "the Pulumi example under mocks"; }
t9=$(ms)
for peer in cdk8s cdk8s-plus-28 constructs @pulumi/pulumi; do
  copies="$(find . -path "*/node_modules/$peer/package.json" | wc -l)"
  [ "$copies" = 1 ] || { npm ls "$peer" --all >&2 || true; fail "$copies copies of $peer in the consumer's node_modules after installing Pulumi"; }
done

printf 'check-consumer: ok: cdk8s %s, cdk8s-plus-28 %s, constructs %s (one copy each), TypeScript %s; pack %s (%s), install %s, typecheck+compile %s, synth %s (%s objects), npx cdk8s-tracing check dist/: %s; Pulumi %s with @pulumi/kubernetes %s: install %s, example compiled and run under mocks %s (%s objects)\n' \
  "$cdk8s_v" "$plus_v" "$constructs_v" "$typescript_v" "$(secs "$t0" "$t1")" "$pack_summary" "$(secs "$t2" "$t3")" "$(secs "$t4" "$t5")" "$(secs "$t5" "$t6")" "$objects" "$checked" \
  "$pulumi_v" "$pulumi_k8s_v" "$(secs "$t7" "$t8")" "$(secs "$t8" "$t9")" "$pulumi_objects"
