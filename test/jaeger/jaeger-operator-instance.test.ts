import {
  JaegerOperatorInstance, JaegerOperatorInstanceProps, JaegerOperatorStorageType, JaegerOperatorStrategy, Prerequisites, SamplingStrategies, SamplingStrategy,
} from '../../constructs';
import { find, synth, testChart } from '../_support/synth';

describe('JaegerOperatorInstance', () => {
  test('reproduces the seed example exactly', () => {
    const chart = testChart('observability');
    new JaegerOperatorInstance(chart, 'jaeger', {
      name: 'jaeger-production',
      strategy: JaegerOperatorStrategy.PRODUCTION,
      storage: { type: JaegerOperatorStorageType.ELASTICSEARCH, elasticsearch: { serverUrls: ['http://elasticsearch:9200'] } },
      ingress: { enabled: true },
    });
    const cr = find(synth(chart), 'Jaeger', 'jaeger-production');
    expect(cr.apiVersion).toBe('jaegertracing.io/v1');
    expect(cr.metadata.namespace).toBe('observability');
    expect(cr.spec).toStrictEqual({
      strategy: 'production',
      storage: { type: 'elasticsearch', options: { es: { 'server-urls': 'http://elasticsearch:9200' } } },
      ingress: { enabled: true },
    });
  });

  test('defaults', () => {
    const chart = testChart();
    new JaegerOperatorInstance(chart, 'jaeger');
    expect(synth(chart)).toMatchSnapshot();
  });

  test('the default strategy: allInOne without storage or with memory or badger, production with a shared storage', () => {
    const strategyOf = (props: JaegerOperatorInstanceProps) => {
      const chart = testChart();
      new JaegerOperatorInstance(chart, 'jaeger', props);
      return find(synth(chart), 'Jaeger', 'jaeger').spec.strategy;
    };
    expect(strategyOf({})).toBe('allInOne');
    expect(strategyOf({ storage: { type: JaegerOperatorStorageType.MEMORY } })).toBe('allInOne');
    expect(strategyOf({ storage: { type: JaegerOperatorStorageType.BADGER } })).toBe('allInOne');
    expect(strategyOf({ storage: { type: JaegerOperatorStorageType.ELASTICSEARCH, elasticsearch: { serverUrls: ['http://es:9200'] } } })).toBe('production');
  });

  test.each([JaegerOperatorStrategy.PRODUCTION, JaegerOperatorStrategy.STREAMING])('fails if strategy %s has no storage', strategy => {
    expect(() => new JaegerOperatorInstance(testChart(), 'j', { strategy }))
      .toThrow(`test/j: 'storage' must be a shared storage (elasticsearch, cassandra, kafka, grpc-plugin) with strategy '${strategy}': `
        + 'without one the operator runs its collector and query on separate in-memory stores; strategy \'allInOne\' for in-memory storage, got undefined');
  });

  test('the common fields, typed', () => {
    const chart = testChart();
    new JaegerOperatorInstance(chart, 'jaeger', {
      storage: {
        type: JaegerOperatorStorageType.ELASTICSEARCH,
        elasticsearch: { serverUrls: ['https://a:9200', 'https://b:9200'], indexPrefix: 'ops', shards: 3, replicas: 2, useAliases: true },
        secretName: 'es-env',
        indexCleaner: { numberOfDays: 14, schedule: '0 1 * * *' },
      },
      ingress: { enabled: true, hosts: ['jaeger.example.com'], ingressClassName: 'nginx', tlsSecretName: 'jaeger-tls', annotations: { a: 'b' } },
      collector: { minReplicas: 2, maxReplicas: 6 },
      queryReplicas: 2,
      sampling: new SamplingStrategies({ defaultStrategy: SamplingStrategy.probabilistic(0.01) }),
    });
    const spec = find(synth(chart), 'Jaeger', 'jaeger').spec;
    expect(spec).toStrictEqual({
      strategy: 'production',
      storage: {
        type: 'elasticsearch',
        options: { es: { 'server-urls': 'https://a:9200,https://b:9200', 'index-prefix': 'ops', 'num-shards': 3, 'num-replicas': 2, 'use-aliases': true } },
        secretName: 'es-env',
        esIndexCleaner: { enabled: true, numberOfDays: 14, schedule: '0 1 * * *' },
      },
      ingress: { enabled: true, hosts: ['jaeger.example.com'], ingressClassName: 'nginx', tls: [{ hosts: ['jaeger.example.com'], secretName: 'jaeger-tls' }], annotations: { a: 'b' } },
      collector: { minReplicas: 2, maxReplicas: 6 },
      query: { replicas: 2 },
      sampling: { options: { default_strategy: { type: 'probabilistic', param: 0.01 }, service_strategies: [] } },
    });
    expect(Prerequisites.of(chart).secrets.map(s => s.name)).toStrictEqual(['es-env', 'jaeger-tls']);
  });

  test('fails if memory storage is used with the production strategy', () => {
    expect(() => new JaegerOperatorInstance(testChart(), 'j', { strategy: JaegerOperatorStrategy.PRODUCTION, storage: { type: JaegerOperatorStorageType.MEMORY } }))
      .toThrow(/test\/j: 'storage.type' must be a shared storage .* got "memory"/);
  });

  test('fails if Elasticsearch storage has no server URLs', () => {
    expect(() => new JaegerOperatorInstance(testChart(), 'j', { storage: { type: JaegerOperatorStorageType.ELASTICSEARCH } }))
      .toThrow(/'storage.elasticsearch' must be the Elasticsearch server URLs/);
  });

  test('fails if a server URL is not http(s)', () => {
    expect(() => new JaegerOperatorInstance(testChart(), 'j', {
      storage: { type: JaegerOperatorStorageType.ELASTICSEARCH, elasticsearch: { serverUrls: ['elasticsearch:9200'] } },
    })).toThrow(/'storage.elasticsearch.serverUrls\[0\]' must be an http:\/\/ or https:\/\/ URL/);
  });

  test('fails if a server URL carries credentials, without repeating them', () => {
    expect(() => new JaegerOperatorInstance(testChart(), 'j', {
      storage: { type: JaegerOperatorStorageType.ELASTICSEARCH, elasticsearch: { serverUrls: ['https://elastic:s3cret@es:9200'] } },
    })).toThrow(/^test\/j: 'storage.elasticsearch.serverUrls\[0\]' must be an http:\/\/ or https:\/\/ URL with a host and no user info .*, got "https:\/\/\*\*\*@es:9200"$/);
  });

  test('fails if the strategy is unknown', () => {
    expect(() => new JaegerOperatorInstance(testChart(), 'j', { strategy: 'all-in-one' as JaegerOperatorStrategy }))
      .toThrow(/'strategy' must be one of allInOne, production, streaming, got "all-in-one"/);
  });
});
