/**
 * The NetworkPolicies every chart gets (one per workload the library makes, generated from the
 * flow graph), their options in TracingDefaults' `networkPolicy`, and what they refuse.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import {
  CollectorMode, ElasticsearchStorage, ExternalKafka, JaegerAllInOne, JaegerCollector, JaegerOperatorInstance, JaegerOperatorStorageType, JaegerOperatorStrategy,
  LoadBalancerResolver, NetworkPolicyOptions, OtelCollector, S3Bucket, SamplingPolicy, StrimziKafka, TailSamplingGateway, TempoDistributed, TracingDefaults,
  instrumentWorkload,
} from '../../constructs';
import { renderObjects } from '../../constructs/network/_network-policies';
import { validationErrors } from '../../constructs/synthesis';
import { find, Manifest, ofKind, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors } from '../_support/validate-manifests';

/** A chart with the given network policy options (TracingDefaults first, as it must be). */
function chartWith(networkPolicy?: NetworkPolicyOptions): Chart {
  const chart = testChart();
  if (networkPolicy) new TracingDefaults(chart, 'defaults', { networkPolicy });
  return chart;
}

const policy = (objects: Manifest[], name: string) => find(objects, 'NetworkPolicy', name).spec;
const everywhere = { namespaceSelector: {} };
const dns = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ port: 53, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }],
};
const tcp = (...ports: number[]) => ports.map(port => ({ port, protocol: 'TCP' }));
const tempoPods = (component: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/component': component, 'app.kubernetes.io/instance': 'tempo', 'app.kubernetes.io/name': 'tempo' } } });

/** A collector gateway exporting to a Jaeger all-in-one. */
function gateway(networkPolicy?: NetworkPolicyOptions) {
  const chart = chartWith(networkPolicy);
  const jaeger = new JaegerAllInOne(chart, 'jaeger');
  new OtelCollector(chart, 'gateway', { exportTo: [jaeger] });
  return synth(chart);
}

/** Tempo 3 microservices on Strimzi Kafka and S3. */
function tempo(networkPolicy?: NetworkPolicyOptions) {
  const chart = chartWith(networkPolicy);
  const kafka = new StrimziKafka(chart, 'kafka', { partitions: 3 });
  const storage = new S3Bucket(chart, 's3', { bucket: 'traces', region: 'eu-west-1' });
  new TempoDistributed(chart, 'tempo', { kafka, storage, liveStore: { replicas: 3 } });
  return synth(chart);
}

/** Jaeger's collector over an Elasticsearch outside the cluster, with the index cleaner. */
function jaegerOverElasticsearch(networkPolicy?: NetworkPolicyOptions, serverUrls = ['https://es.example.com', 'https://es-warm.example.com:9200']) {
  const chart = chartWith(networkPolicy);
  const storage = new ElasticsearchStorage(chart, 'storage', { serverUrls, indexCleaner: { retentionDays: 7 } });
  new JaegerCollector(chart, 'collector', { storage });
  return synth(chart);
}

describe('NetworkPolicies', () => {
  test('one per workload, named and labelled after it, selecting its pods, both policy types', () => {
    const objects = gateway();
    expect(ofKind(objects, 'NetworkPolicy').map(p => p.metadata.name)).toStrictEqual(['jaeger', 'otel-gateway']);
    const deployment = find(objects, 'Deployment', 'otel-gateway');
    const p = find(objects, 'NetworkPolicy', 'otel-gateway');
    expect(p.metadata).toStrictEqual({ name: 'otel-gateway', namespace: 'tracing', labels: deployment.metadata.labels });
    expect(p.spec.podSelector).toStrictEqual(deployment.spec.selector);
    expect(p.spec.policyTypes).toStrictEqual(['Ingress', 'Egress']);
  });

  test('a collector gateway admits OTLP from every namespace and Prometheus on 8888, nothing else; it reaches the Jaeger it exports to and the DNS', () => {
    const objects = gateway();
    expect(policy(objects, 'otel-gateway').ingress).toStrictEqual([
      { from: [everywhere], ports: tcp(4317, 4318) },
      { from: [everywhere], ports: tcp(8888) },
    ]);
    expect(policy(objects, 'otel-gateway').egress).toStrictEqual([
      { to: [{ podSelector: find(objects, 'Deployment', 'jaeger').spec.selector }], ports: tcp(4317) },
      dns,
    ]);
    // Jaeger admits the gateway (already among every namespace's senders), and its own entry ports.
    expect(policy(objects, 'jaeger').ingress[0]).toStrictEqual({ from: [{ podSelector: find(objects, 'Deployment', 'otel-gateway').spec.selector }], ports: tcp(4317) });
  });

  test('a Tempo querier admits only its ring\'s gossip and Prometheus (it dials the query-frontends, which admit it on gRPC)', () => {
    const objects = tempo();
    const members = ['block-builder', 'distributor', 'live-store', 'metrics-generator', 'querier'].filter(c => objects.some(o => o.kind === 'Deployment' || o.kind === 'StatefulSet' ? o.metadata.name === `tempo-${c}` : false));
    const querier = policy(objects, 'tempo-querier');
    expect(querier.ingress).toStrictEqual([
      { from: members.map(tempoPods), ports: tcp(7946) },
      { from: [everywhere], ports: tcp(3200) },
    ]);
    expect(querier.egress).toStrictEqual([
      { to: members.filter(m => m !== 'live-store').map(tempoPods), ports: tcp(7946) },
      { to: [tempoPods('live-store')], ports: tcp(7946, 9095) },
      { to: [tempoPods('query-frontend')], ports: tcp(9095) },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: tcp(443) },
      dns,
    ]);
    expect(policy(objects, 'tempo-query-frontend').ingress).toStrictEqual([
      { from: [tempoPods('querier')], ports: tcp(9095) },
      { from: [everywhere], ports: tcp(3200) },
    ]);
  });

  test('Tempo\'s Kafka clients reach the brokers Strimzi makes (by its labels), on the listener port; the query path does not', () => {
    const objects = tempo();
    const brokers = { to: [{ podSelector: { matchLabels: { 'strimzi.io/cluster': 'kafka', 'strimzi.io/kind': 'Kafka' } } }], ports: tcp(9092) };
    for (const name of ['tempo-distributor', 'tempo-live-store', 'tempo-block-builder']) expect(policy(objects, name).egress).toContainEqual(brokers);
    for (const name of ['tempo-querier', 'tempo-query-frontend', 'tempo-backend-scheduler']) expect(policy(objects, name).egress).not.toContainEqual(brokers);
    expect(ofKind(objects, 'NetworkPolicy').map(p => p.metadata.name)).not.toContain('kafka');
  });

  test('the DNS rule is on every policy, and follows the dns options', () => {
    for (const p of ofKind(tempo(), 'NetworkPolicy')) expect(p.spec.egress).toContainEqual(dns);
    const objects = gateway({ dns: { namespaceSelector: { 'kubernetes.io/metadata.name': 'dns' }, podSelector: { app: 'coredns' }, cidrs: ['169.254.20.10/32'] } });
    expect(policy(objects, 'otel-gateway').egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { app: 'coredns' } } }, { ipBlock: { cidr: '169.254.20.10/32' } }],
      ports: [{ port: 53, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }],
    });
  });

  test('an Elasticsearch outside the cluster: its ports (443, 9200) to the external CIDRs for the collector; the index cleaner, which admits nothing, reaches the URL it is given', () => {
    const objects = jaegerOverElasticsearch({ externalCidrs: ['10.20.0.0/16', 'fd00:20::/32'] });
    const es = { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }, { ipBlock: { cidr: 'fd00:20::/32' } }], ports: tcp(443, 9200) };
    expect(policy(objects, 'jaeger-collector').egress).toStrictEqual([es, dns]);
    expect(policy(objects, 'jaeger-es-index-cleaner')).toStrictEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/component': 'es-index-cleaner', 'app.kubernetes.io/instance': 'jaeger', 'app.kubernetes.io/name': 'jaeger' } },
      policyTypes: ['Ingress', 'Egress'],
      // No ingress rule: nothing comes in (an empty list would read back from the API server as none).
      // The cleaner takes one URL, the first.
      egress: [{ ...es, ports: tcp(443) }, dns],
    });
  });

  test('an endpoint that is a Service of another namespace is that namespace; one given as an address, that address', () => {
    const objects = jaegerOverElasticsearch(undefined, ['http://es-http.search.svc.cluster.local:9200', 'http://10.0.0.12:9200']);
    expect(policy(objects, 'jaeger-collector').egress).toStrictEqual([
      { to: [{ ipBlock: { cidr: '10.0.0.12/32' } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'search' } } }], ports: tcp(9200) },
      dns,
    ]);
  });

  test('the Kubernetes API: only for the load-balancing tier\'s k8s resolver, at the configured addresses and ports; not with the DNS resolver', () => {
    const build = (resolver: LoadBalancerResolver) => {
      const chart = chartWith({ kubernetesApi: { cidrs: ['172.20.0.1/32'], ports: [443] } });
      const jaeger = new JaegerAllInOne(chart, 'jaeger');
      new TailSamplingGateway(chart, 'sampling', { policy: new SamplingPolicy({ tail: {} }), exportTo: [jaeger], resolver });
      return synth(chart);
    };
    const api = { to: [{ ipBlock: { cidr: '172.20.0.1/32' } }], ports: tcp(443) };
    const k8s = build(LoadBalancerResolver.K8S);
    expect(policy(k8s, 'otel-sampling-lb').egress).toContainEqual(api);
    expect(ofKind(k8s, 'NetworkPolicy').filter(p => p.spec.egress.some((r: any) => r.to[0].ipBlock?.cidr === '172.20.0.1/32')).map(p => p.metadata.name)).toStrictEqual(['otel-sampling-lb']);
    expect(policy(build(LoadBalancerResolver.DNS), 'otel-sampling-lb').egress).not.toContainEqual(api);
  });

  test('a tail-sampling tier admits spans only from its load balancer; the load balancer is the entry', () => {
    const chart = chartWith();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    new TailSamplingGateway(chart, 'sampling', { policy: new SamplingPolicy({ tail: {} }), exportTo: [jaeger] });
    const objects = synth(chart);
    expect(policy(objects, 'otel-sampling').ingress).toStrictEqual([
      { from: [{ podSelector: find(objects, 'Deployment', 'otel-sampling-lb').spec.selector }], ports: tcp(4317) },
      { from: [everywhere], ports: tcp(8888) },
    ]);
    expect(policy(objects, 'otel-sampling-lb').ingress[0]).toStrictEqual({ from: [everywhere], ports: tcp(4317, 4318) });
  });

  test('span senders, Prometheus, the ingress controller and Grafana by the selectors given', () => {
    const senders = { namespaceSelector: { 'tracing.example.com/sends-spans': 'true' } };
    const prometheus = { namespaceSelector: { 'kubernetes.io/metadata.name': 'monitoring' }, podSelector: { 'app.kubernetes.io/name': 'prometheus' } };
    const objects = gateway({ spanSenders: senders, metrics: prometheus });
    expect(policy(objects, 'otel-gateway').ingress).toStrictEqual([
      { from: [{ namespaceSelector: { matchLabels: senders.namespaceSelector } }], ports: tcp(4317, 4318) },
      { from: [{ namespaceSelector: { matchLabels: prometheus.namespaceSelector }, podSelector: { matchLabels: prometheus.podSelector } }], ports: tcp(8888) },
    ]);
  });

  test('an agent admits the applications of the chart that send to it, and every namespace\'s', () => {
    const chart = chartWith();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    const agent = new OtelCollector(chart, 'agent', { mode: CollectorMode.AGENT, exportTo: [jaeger] });
    const app = new plus.Deployment(chart, 'shop', { containers: [{ image: 'example/shop:1.0.0', portNumber: 8080 }] });
    instrumentWorkload(app, { exportTo: agent });
    const objects = synth(chart);
    expect(policy(objects, 'otel-agent').ingress).toStrictEqual([
      { from: [{ podSelector: find(objects, 'Deployment', app.name).spec.selector }], ports: tcp(4318) },
      { from: [everywhere], ports: tcp(4317, 4318) },
      { from: [everywhere], ports: tcp(8888) },
    ]);
    // The application is not the library's: no policy of its own.
    expect(ofKind(objects, 'NetworkPolicy').map(p => p.metadata.name)).toStrictEqual(['jaeger', 'otel-agent']);
  });

  test('an external Kafka by host: the brokers\' ports to the external CIDRs', () => {
    const chart = chartWith();
    const kafka = new ExternalKafka(chart, 'kafka', { bootstrapServers: ['kafka-1.example.com:9093', 'kafka-2.example.com:9093'], topic: 'spans', partitions: 3 });
    const storage = new S3Bucket(chart, 's3', { bucket: 'traces', region: 'eu-west-1' });
    new TempoDistributed(chart, 'tempo', { kafka, storage, liveStore: { replicas: 3 } });
    expect(policy(synth(chart), 'tempo-distributor').egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: tcp(9093) });
  });

  test('operators\' pods get none: a chart of operator resources has no NetworkPolicy', () => {
    const chart = chartWith();
    new JaegerOperatorInstance(chart, 'jaeger', {
      strategy: JaegerOperatorStrategy.PRODUCTION,
      storage: { type: JaegerOperatorStorageType.ELASTICSEARCH, elasticsearch: { serverUrls: ['http://elasticsearch:9200'] } },
    });
    expect(ofKind(synth(chart), 'NetworkPolicy')).toStrictEqual([]);
  });

  test('enabled: false gives no NetworkPolicy at all', () => {
    expect(ofKind(tempo({ enabled: false }), 'NetworkPolicy')).toStrictEqual([]);
    expect(ofKind(gateway({ enabled: false }), 'NetworkPolicy')).toStrictEqual([]);
  });

  test('synthesizing twice gives the same policies', () => {
    const chart = chartWith();
    new JaegerAllInOne(chart, 'jaeger');
    expect(synth(chart)).toStrictEqual(synth(chart));
  });

  test('a workload added after a synthesis is in the policies of the next one', () => {
    const chart = chartWith();
    const collector = new OtelCollector(chart, 'gateway', { exportTo: [new JaegerAllInOne(chart, 'jaeger')] });
    const app = (name: string) => {
      const d = new plus.Deployment(chart, name, { podMetadata: { labels: { app: name } } });
      d.addContainer({ name, image: `example/${name}:1`, portNumber: 8080 });
      instrumentWorkload(d, { exportTo: collector });
    };
    // The pods sending to the gateway, by the address label cdk8s-plus selects them with (test-<id>-<hash>).
    const senders = () => policy(synth(chart), 'otel-gateway').ingress[0].from
      .map((p: any) => p.podSelector.matchLabels['cdk8s.io/metadata.addr'].replace(/^test-|-[0-9a-f]{8}$/g, ''));
    app('shop');
    expect(senders()).toStrictEqual(['shop']);
    app('cart');
    expect(senders()).toStrictEqual(['cart', 'shop']);
  });

  test('renderObjects renders each object once, the policies from the others\' rendering, as rendering each object gives', () => {
    const chart = chartWith();
    const collector = new OtelCollector(chart, 'gateway', { exportTo: [new JaegerAllInOne(chart, 'jaeger')] });
    const shop = new plus.Deployment(chart, 'shop', { podMetadata: { labels: { app: 'shop' } } });
    shop.addContainer({ name: 'shop', image: 'example/shop:1', portNumber: 8080 });
    instrumentWorkload(shop, { exportTo: collector });
    expect(validationErrors(App.of(chart))).toStrictEqual([]);
    const objects = chart.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
    expect(ofKind(objects.map(o => ({ kind: o.kind, metadata: { name: o.name } }) as Manifest), 'NetworkPolicy').length).toBe(2);
    const calls = objects.map(o => jest.spyOn(o, 'toJson'));
    const rendered = renderObjects(objects);
    expect(calls.map(c => c.mock.calls.length)).toStrictEqual(objects.map(() => 1));
    calls.forEach(c => c.mockRestore());
    expect(rendered).toStrictEqual(objects.map(o => o.toJson()));
  });
});

describeWithSchemas()('NetworkPolicies: schema', () => {
  test('every policy validates against the Kubernetes 1.37 schema, with IPv6 CIDRs and ports', () => {
    const objects = [...tempo(), ...jaegerOverElasticsearch({ externalCidrs: ['10.0.0.0/8', 'fd00::/8'] })];
    expect(schemaErrors(ofKind(objects, 'NetworkPolicy'))).toStrictEqual([]);
  });
});

describe('networkPolicy options', () => {
  const fails = (networkPolicy: unknown) => () => new TracingDefaults(testChart(), 'defaults', { networkPolicy: networkPolicy as NetworkPolicyOptions });

  test('fails if externalCidrs holds something other than a CIDR', () => {
    expect(fails({ externalCidrs: ['0.0.0.0/0', 'abc'] })).toThrow(
      'test/defaults: \'networkPolicy.externalCidrs[1]\' must be a CIDR like 10.0.0.0/8 or fd00::/8: an IPv4 or IPv6 network address (no bits set past the prefix) and a prefix length, got "abc"');
  });

  test.each([
    ['10.0.0.1/8', 'bits set past the prefix'],
    ['10.0.0.0/33', 'a prefix longer than the address'],
    ['10.0.0.0', 'no prefix'],
    ['010.0.0.0/8', 'a leading zero'],
    ['fd00::1/8', 'IPv6 bits set past the prefix'],
    ['fd00::/129', 'an IPv6 prefix too long'],
  ])('fails if a CIDR is %s (%s)', cidr => {
    expect(fails({ externalCidrs: [cidr] })).toThrow(/networkPolicy\.externalCidrs\[0\]' must be a CIDR/);
  });

  test('fails if externalCidrs is empty: external endpoints would be unreachable', () => {
    expect(fails({ externalCidrs: [] })).toThrow('test/defaults: \'networkPolicy.externalCidrs\' must be a non-empty list of CIDRs like 10.0.0.0/8 or fd00::/8, got []');
  });

  test('fails if enabled is not a boolean', () => {
    expect(fails({ enabled: 'no' })).toThrow('test/defaults: \'networkPolicy.enabled\' must be true or false, got "no"');
  });

  test('fails if an option is unknown (a typo would silently keep the policies on)', () => {
    expect(fails({ enable: false })).toThrow(/'networkPolicy\.enable' must be one of the options enabled, spanSenders, ingressController, grafana, metrics, dns, kubernetesApi, externalCidrs \(unknown option\), got false/);
    expect(fails({ metrics: { namespace: 'monitoring' } })).toThrow(/'networkPolicy\.metrics\.namespace' must be one of the options namespaceSelector, podSelector/);
  });

  test('fails if a selector is not labels', () => {
    expect(fails({ spanSenders: { namespaceSelector: { 'bad key!': 'x' } } })).toThrow(/'networkPolicy\.spanSenders\.namespaceSelector key' must be a label key/);
    expect(fails({ metrics: { podSelector: { app: 'not a value' } } })).toThrow(/'networkPolicy\.metrics\.podSelector\.app' must be a label value/);
  });

  test('fails if the Kubernetes API ports or DNS CIDRs are wrong', () => {
    expect(fails({ kubernetesApi: { ports: [443, 0] } })).toThrow('test/defaults: \'networkPolicy.kubernetesApi.ports[1]\' must be an integer from 1 to 65535, got 0');
    expect(fails({ kubernetesApi: { ports: [] } })).toThrow(/'networkPolicy\.kubernetesApi\.ports' must be a non-empty list of port numbers/);
    expect(fails({ dns: { cidrs: '169.254.20.10/32' } })).toThrow(/'networkPolicy\.dns\.cidrs' must be a list of CIDRs/);
  });
});
