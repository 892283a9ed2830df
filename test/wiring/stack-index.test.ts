/** The stack index: selector lookups through the label index answer what a scan of every pod template answers. */
import { Manifest, unmetLabelSelector, unmetMatchLabels } from '../../constructs/wiring/_json';
import { PodTemplate, StackIndex } from '../../constructs/wiring/stack-index';

const workload = (kind: string, name: string, namespace: string | undefined, labels: Record<string, string>): Manifest => ({
  apiVersion: kind === 'CronJob' || kind === 'Job' ? 'batch/v1' : 'apps/v1', kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec: kind === 'CronJob'
    ? { schedule: '* * * * *', jobTemplate: { spec: { template: { metadata: { labels }, spec: { containers: [{ name, image: 'example/app:1' }] } } } } }
    : { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image: 'example/app:1' }] } } },
});
const pod = (name: string, namespace: string, labels: Record<string, string>): Manifest => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { containers: [{ name, image: 'example/app:1' }] },
});
const service = (name: string, namespace: string, selector: Record<string, string> | undefined): Manifest => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ...(selector ? { selector } : {}), ports: [{ port: 80 }] },
});

const objects: Manifest[] = [
  workload('Deployment', 'web', 'shop', { app: 'web', tier: 'front', 'app.kubernetes.io/part-of': 'shop' }),
  workload('Deployment', 'web-canary', 'shop', { app: 'web', tier: 'front', track: 'canary', 'app.kubernetes.io/part-of': 'shop' }),
  workload('StatefulSet', 'db', 'shop', { app: 'db', tier: 'back', 'app.kubernetes.io/part-of': 'shop' }),
  workload('DaemonSet', 'agent', undefined, { app: 'agent' }),
  workload('Deployment', 'web', 'other', { app: 'web', tier: 'front' }),
  workload('CronJob', 'report', 'shop', { app: 'report', tier: 'back' }),
  pod('debug', 'shop', { app: 'web', debug: 'true' }),
  pod('bare', 'shop', {}),
  {
    apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'Kafka', metadata: { name: 'kafka', namespace: 'shop' },
    spec: { kafka: { listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }] } },
  },
];
const index = new StackIndex(objects, { operatorWorkloads: true });
const names = (ts: readonly PodTemplate[]) => ts.map(t => `${t.owner.kind}/${t.owner.metadata.name}`);

/** Every selector made of the fixture's label entries (one, two or three of them), and some that no template has. */
function selectors(): Array<Record<string, string>> {
  const entries = [...new Set(index.templates.flatMap(t => Object.entries(t.labels).map(e => JSON.stringify(e))))].map(e => JSON.parse(e) as [string, string]);
  entries.push(['app', 'missing'], ['missing', 'web'], ['constructor', 'x'], ['toString', 'x']);
  const out: Array<Record<string, string>> = [{}];
  for (let i = 0; i < entries.length; i++) {
    out.push(Object.fromEntries([entries[i]]));
    for (let j = i + 1; j < entries.length; j++) {
      out.push(Object.fromEntries([entries[i], entries[j]]));
      for (let k = j + 1; k < entries.length; k++) out.push(Object.fromEntries([entries[i], entries[j], entries[k]]));
    }
  }
  return out;
}

describe('StackIndex', () => {
  const namespaces = ['shop', 'other', 'default', 'none'];

  test('templatesWithLabels answers, for every selector and namespace, what a scan of the templates answers, in the same order', () => {
    const all = selectors();
    expect(all.length).toBeGreaterThan(500);
    for (const namespace of namespaces) {
      for (const selector of all) {
        const scanned = index.templatesSelectedBy(namespace, labels => unmetMatchLabels(selector, labels).length === 0);
        expect([namespace, selector, names(index.templatesWithLabels(namespace, selector))]).toStrictEqual([namespace, selector, names(scanned)]);
      }
    }
  });

  test('templatesSelectedByLabelSelector answers what a scan answers, with matchExpressions', () => {
    const expressions = [
      undefined,
      [{ key: 'tier', operator: 'In', values: ['front', 'back'] }],
      [{ key: 'track', operator: 'DoesNotExist' }],
      [{ key: 'track', operator: 'Exists' }, { key: 'app', operator: 'NotIn', values: ['db'] }],
      [{ key: 'app', operator: 'Unknown', values: ['web'] }],
    ];
    for (const namespace of namespaces) {
      for (const matchLabels of selectors().slice(0, 60)) {
        for (const matchExpressions of expressions) {
          const selector = { matchLabels, ...(matchExpressions ? { matchExpressions } : {}) };
          const scanned = index.templatesSelectedBy(namespace, labels => unmetLabelSelector(selector, labels).length === 0);
          expect(names(index.templatesSelectedByLabelSelector(namespace, selector))).toStrictEqual(names(scanned));
        }
      }
    }
  });

  test('a Service selects the templates of its namespace that carry all its labels; none without a selector', () => {
    expect(names(index.templatesOfService(service('web', 'shop', { app: 'web' })))).toStrictEqual(['Deployment/web', 'Deployment/web-canary', 'Pod/debug']);
    expect(names(index.templatesOfService(service('web', 'shop', { app: 'web', track: 'canary' })))).toStrictEqual(['Deployment/web-canary']);
    expect(names(index.templatesOfService(service('web', 'other', { app: 'web' })))).toStrictEqual(['Deployment/web']);
    expect(names(index.templatesOfService(service('agent', 'default', { app: 'agent' })))).toStrictEqual(['DaemonSet/agent']);
    expect(names(index.templatesOfService(service('brokers', 'shop', { 'strimzi.io/cluster': 'kafka' })))).toStrictEqual(['Kafka/kafka']);
    expect(names(index.templatesOfService(service('web', 'shop', { app: 'web', tier: 'back' })))).toStrictEqual([]);
    expect(names(index.templatesOfService(service('headless', 'shop', undefined)))).toStrictEqual([]);
  });

  test('the same Service asked twice gets the same answer', () => {
    const svc = service('db', 'shop', { app: 'db' });
    expect(index.templatesOfService(svc)).toBe(index.templatesOfService(svc));
    expect(names(index.templatesOfService(svc))).toStrictEqual(['StatefulSet/db']);
  });
});
