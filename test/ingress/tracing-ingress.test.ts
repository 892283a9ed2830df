import { Chart, Testing } from 'cdk8s';
import {
  ElasticsearchStorage, JaegerAllInOne, JaegerCollector, JaegerQuery, Prerequisites, SamplingPolicy, TailSamplingGateway, TracingIngress,
} from '../../constructs';
import { find, synth, testChart } from '../_support/synth';

describe('TracingIngress', () => {
  test('UI at the query base path, OTLP on its own host, TLS for both', () => {
    const chart = testChart();
    const storage = new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://es:9200'], indexCleaner: { enabled: false } });
    const query = new JaegerQuery(chart, 'query', { storage, basePath: '/jaeger' });
    const collector = new JaegerCollector(chart, 'collector', { storage });
    const ingress = new TracingIngress(chart, 'ingress', {
      host: 'tracing.example.com', ui: query, otlp: { receiver: collector, host: 'otlp.example.com' },
      ingressClassName: 'nginx', tlsSecretName: 'tracing-tls', annotations: { 'cert-manager.io/cluster-issuer': 'le' },
    });
    const ing = find(synth(chart), 'Ingress', 'jaeger-query');
    expect(ing.metadata.annotations).toStrictEqual({ 'cert-manager.io/cluster-issuer': 'le' });
    expect(ing.spec).toStrictEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['tracing.example.com', 'otlp.example.com'], secretName: 'tracing-tls' }],
      rules: [
        { host: 'tracing.example.com', http: { paths: [{ path: '/jaeger', pathType: 'Prefix', backend: { service: { name: 'jaeger-query', port: { name: 'http-query' } } } }] } },
        { host: 'otlp.example.com', http: { paths: [{ path: '/v1/traces', pathType: 'Exact', backend: { service: { name: 'jaeger-collector', port: { name: 'otlp-http' } } } }] } },
      ],
    });
    expect(ingress.uiUrl).toBe('https://tracing.example.com/jaeger');
    expect(ingress.otlpUrl).toBe('https://otlp.example.com/v1/traces');
    expect(Prerequisites.of(chart).secrets.map(s => s.name)).toStrictEqual(['tracing-tls']);
  });

  test('defaults: one host, UI at /, no TLS', () => {
    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    new TracingIngress(chart, 'ingress', { host: 'jaeger.local.dev', ui: jaeger, otlp: { receiver: jaeger } });
    const ing = find(synth(chart), 'Ingress', 'jaeger');
    expect(ing).toMatchSnapshot();
    expect(ing.spec.rules).toHaveLength(1);
    expect(ing.spec.rules[0].http.paths.map((p: any) => p.path)).toStrictEqual(['/', '/v1/traces']);
  });

  test('fails if the host is not a host name', () => {
    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    expect(() => new TracingIngress(chart, 'ingress', { host: 'https://jaeger.example.com', ui: jaeger }))
      .toThrow(/test\/ingress: 'host' must be a fully qualified lower-case host name.*got "https:\/\/jaeger.example.com"/);
  });

  test('fails if the UI is in another namespace', () => {
    const app = Testing.app();
    const other = new Chart(app, 'other', { namespace: 'other' });
    const jaeger = new JaegerAllInOne(other, 'jaeger');
    const chart = new Chart(app, 'edge', { namespace: 'edge' });
    expect(() => new TracingIngress(chart, 'ingress', { host: 'j.example.com', ui: jaeger }))
      .toThrow(/'ui' must be a Service in this Ingress's namespace \(edge\).*got "jaeger in namespace other"/);
  });

  test('fails if the UI and OTLP claim the same path on one host', () => {
    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger', { basePath: '/v1/traces' });
    expect(() => new TracingIngress(chart, 'ingress', { host: 'j.example.com', ui: jaeger, otlp: { receiver: jaeger } }))
      .toThrow(/'ui.basePath' must be another path than \/v1\/traces, which OTLP uses on the same host, got "\/v1\/traces"/);
  });

  test('fails if OTLP is exposed on the sampling tier of a TailSamplingGateway', () => {
    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    const gateway = new TailSamplingGateway(chart, 'sampling', { policy: new SamplingPolicy({ tail: {} }), exportTo: [jaeger] });
    expect(() => new TracingIngress(chart, 'ingress', { host: 'j.example.com', ui: jaeger, otlp: { receiver: gateway.sampler, host: 'otlp.example.com' } }))
      .toThrow("test/ingress: 'otlp.receiver' must be the TailSamplingGateway test/sampling itself or its load-balancing tier test/sampling/LoadBalancer (test/sampling/Sampler is a sampling tier: sent to directly, the spans of one trace are spread over its instances and each decides on a fragment), got \"test/sampling/Sampler\"");
    new TracingIngress(chart, 'ok', { name: 'ok', host: 'j.example.com', ui: jaeger, otlp: { receiver: gateway, host: 'otlp.example.com' } });
    expect(find(synth(chart), 'Ingress', 'ok').spec.rules[1].http.paths[0].backend).toStrictEqual({ service: { name: 'otel-sampling-lb', port: { name: 'otlp-http' } } });
  });

  test('fails if the TLS secret name is invalid', () => {
    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    expect(() => new TracingIngress(chart, 'ingress', { host: 'j.example.com', ui: jaeger, tlsSecretName: 'TLS_Secret' })).toThrow(/'tlsSecretName' must be a DNS subdomain/);
  });
});
