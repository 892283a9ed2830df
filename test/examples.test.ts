import { mkdtempSync, readdirSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { buildApp } from '../main';
import { Prerequisites, synthesizeApp } from '../constructs';
import { policyErrors } from './_support/policy';
import { Manifest } from './_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from './_support/validate-manifests';

// The example stacks exactly as `npm run synth` writes them: synthesized to files (the manifests,
// and the pictures test/diagram/ checks), read back.
const outdir = mkdtempSync(join(tmpdir(), 'examples-'));
const app = buildApp({ outdir });
synthesizeApp(app);
const stacks = readdirSync(outdir).filter(file => file.endsWith('.k8s.yaml')).sort().map(file => {
  const chart = app.charts.find(c => `${c.node.id}.k8s.yaml` === file)!;
  const objects = parseAllDocuments(readFileSync(join(outdir, file), 'utf8')).map(d => d.toJS() as Manifest);
  return { file, chart, objects };
});

test('main.ts writes the example stacks, one file each', () => {
  expect(stacks.map(s => s.file)).toStrictEqual([
    'jaeger-dev.k8s.yaml', 'jaeger-operator.k8s.yaml', 'jaeger-production.k8s.yaml', 'tempo-monolithic.k8s.yaml', 'tempo-production.k8s.yaml', 'trace-pipeline.k8s.yaml',
  ]);
  const total = stacks.reduce((n, s) => n + s.objects.length, 0);
  process.stdout.write(`example stacks: ${stacks.length} files, ${total} objects (${stacks.map(s => `${s.file}: ${s.objects.length}`).join(', ')})\n`);
  expect(total).toBeGreaterThan(20);
});

describe.each(stacks)('$file', ({ chart, objects }) => {
  test('snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('every object keeps the production rules (namespace, labels, pinned images, resources, probes, restricted security)', () => {
    expect(policyErrors(objects)).toStrictEqual([]);
  });

  test('wiring: selectors, ports, references and every address in generated configuration resolve', () => {
    const p = Prerequisites.of(chart);
    expect(wiringErrors(objects, {
      userProvidedSecrets: p.secrets.map(s => s.name),
      userProvidedConfigMaps: p.configMaps.map(c => c.name),
      externalEndpoints: p.endpoints.map(e => e.name),
    })).toStrictEqual([]);
  });

  test('the Namespace comes first, so that kubectl apply -f creates it before its objects', () => {
    expect(objects[0].kind).toBe('Namespace');
    expect(objects.slice(1).every(o => o.metadata.namespace === objects[0].metadata.name)).toBe(true);
  });
});

describeWithSchemas()('schemas: every object of every example stack', () => {
  test.each(stacks)('$file validates against Kubernetes 1.37 and CRD schemas', ({ objects }) => {
    expect(schemaErrors(objects)).toStrictEqual([]);
  });
});

describe('the checks can fail', () => {
  const production = stacks.find(s => s.file === 'jaeger-production.k8s.yaml')!;

  test('policy: a writable root filesystem and a :latest image are reported', () => {
    const broken = JSON.parse(JSON.stringify(production.objects)) as any[];
    const deploy = broken.find(o => o.kind === 'Deployment');
    deploy.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    deploy.spec.template.spec.containers[0].image = 'jaegertracing/jaeger:latest';
    expect(policyErrors(broken)).toStrictEqual([
      `Deployment/${deploy.metadata.name}: /spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem: container jaeger has a writable root filesystem`,
      `Deployment/${deploy.metadata.name}: /spec/template/spec/containers/0/image: container jaeger image 'jaegertracing/jaeger:latest' is not pinned to a version tag or a digest`,
    ]);
  });

  test('policy: a mount nested inside a ConfigMap volume is reported', () => {
    const broken = JSON.parse(JSON.stringify(production.objects)) as any[];
    const deploy = broken.find(o => o.kind === 'Deployment');
    const container = deploy.spec.template.spec.containers[0];
    const config = container.volumeMounts.find((m: any) => m.name === 'config');
    container.volumeMounts.push({ name: 'tmp', mountPath: `${config.mountPath}/nested` });
    expect(policyErrors(broken)).toStrictEqual([
      `Deployment/${deploy.metadata.name}: /spec/template/spec/containers/0/volumeMounts/${container.volumeMounts.length - 1}/mountPath: container jaeger mounts ${config.mountPath}/nested inside ${config.mountPath}, a config volume the kubelet keeps read-only`,
    ]);
  });

  test('wiring: without the declared prerequisites, the Secrets and Elasticsearch are unresolved', () => {
    const errors = wiringErrors(production.objects);
    expect(errors.some(e => /jaeger-es-credentials/.test(e))).toBe(true);
    expect(errors.some(e => /elasticsearch-es-http\.elastic-system\.svc:9200/.test(e))).toBe(true);
  });
});
