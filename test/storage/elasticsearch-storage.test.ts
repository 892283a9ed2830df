import { ElasticsearchStorage, JaegerCollector, Prerequisites, SearchEngine } from '../../constructs';
import { configFile, find, ofKind, synth, testChart } from '../_support/synth';

const secured = {
  serverUrls: ['https://es-http.elastic.svc:9200'],
  indexPrefix: 'prod',
  shards: 3,
  replicas: 2,
  credentials: { secretName: 'es-creds', usernameKey: 'user', passwordKey: 'pass' },
  tls: { ca: { secretName: 'es-ca', key: 'ca.crt' }, serverName: 'es.internal' },
};

function withCollector(props: ConstructorParameters<typeof ElasticsearchStorage>[2]) {
  const chart = testChart();
  const storage = new ElasticsearchStorage(chart, 'es', props);
  new JaegerCollector(chart, 'collector', { storage });
  return { chart, storage, objects: synth(chart) };
}

describe('ElasticsearchStorage', () => {
  test('defaults: index cleaner only', () => {
    const chart = testChart();
    new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://elasticsearch:9200'] });
    expect(synth(chart)).toMatchSnapshot();
  });

  test('renders the Jaeger backend with prefix, shards, replicas, password file and CA', () => {
    const { objects } = withCollector(secured);
    const backend = configFile(objects, 'jaeger-collector-config', 'config.yaml').extensions.jaeger_storage.backends.elasticsearch;
    const shards = { shards: 3, replicas: 2 };
    expect(backend).toStrictEqual({
      elasticsearch: {
        server_urls: ['https://es-http.elastic.svc:9200'],
        indices: { index_prefix: 'prod', spans: shards, services: shards, dependencies: shards, sampling: shards },
        auth: { basic: { username: '${env:ES_USERNAME}', password_file: '/etc/jaeger/es-credentials/password', reload_interval: '1m' } },
        tls: { ca_file: '/etc/jaeger/es-tls/ca.crt', server_name_override: 'es.internal' },
      },
    });
  });

  test('credentials come only from the Secret: never in a ConfigMap or argument', () => {
    const { objects } = withCollector(secured);
    const pod = find(objects, 'Deployment', 'jaeger-collector').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'es-credentials', secret: { secretName: 'es-creds', items: [{ key: 'pass', path: 'password' }] } });
    expect(pod.containers[0].env).toContainEqual({ name: 'ES_USERNAME', valueFrom: { secretKeyRef: { name: 'es-creds', key: 'user' } } });
    const cleaner = find(objects, 'CronJob', 'jaeger-es-index-cleaner').spec.jobTemplate.spec.template.spec.containers[0];
    expect(cleaner.env).toStrictEqual([
      { name: 'ES_USERNAME', valueFrom: { secretKeyRef: { name: 'es-creds', key: 'user' } } },
      { name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: 'es-creds', key: 'pass' } } },
    ]);
    const text = JSON.stringify(objects.filter(o => o.kind === 'ConfigMap'));
    expect(text).not.toMatch(/pass(word)?["']?\s*[:=]\s*["']?[^/$"]/i);
  });

  test('declares its Secrets and endpoint as prerequisites', () => {
    const { chart } = withCollector(secured);
    const p = Prerequisites.of(chart);
    expect(p.secrets.map(s => s.name)).toStrictEqual(['es-creds', 'es-ca']);
    expect(p.endpoints.map(e => e.name)).toStrictEqual(['es-http.elastic.svc:9200']);
  });

  test('index cleaner: retention, schedule, prefix and TLS flags', () => {
    const chart = testChart();
    new ElasticsearchStorage(chart, 'es', { ...secured, indexCleaner: { retentionDays: 30, schedule: '0 3 * * *' } });
    const cron = find(synth(chart), 'CronJob', 'jaeger-es-index-cleaner');
    expect(cron.spec.schedule).toBe('0 3 * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const container = cron.spec.jobTemplate.spec.template.spec.containers[0];
    expect(container.image).toBe('jaegertracing/jaeger-es-index-cleaner:1.76.0');
    expect(container.args).toStrictEqual([
      '30', '--index-prefix=prod', '--es.tls.enabled=true', '--es.tls.ca=/etc/jaeger/es-tls/ca.crt', '--es.tls.server-name=es.internal',
      'https://es-http.elastic.svc:9200',
    ]);
  });

  test('rollover: aliases in Jaeger, init Job, rollover and lookback CronJobs, cleaner in rollover mode', () => {
    const { objects } = withCollector({ serverUrls: ['http://es:9200'], rollover: { enabled: true, readAliasDays: 3 } });
    const backend = configFile(objects, 'jaeger-collector-config', 'config.yaml').extensions.jaeger_storage.backends.elasticsearch.elasticsearch;
    expect(backend.use_aliases).toBe(true);
    expect(backend.create_mappings).toBe(false);
    const init = ofKind(objects, 'Job')[0].spec.template.spec.containers[0];
    expect(init.args).toStrictEqual(['init', '--shards=5', '--replicas=1', 'http://es:9200']);
    const crons = Object.fromEntries(ofKind(objects, 'CronJob').map(c => [c.metadata.name, c.spec.jobTemplate.spec.template.spec.containers[0].args]));
    expect(crons).toStrictEqual({
      'jaeger-es-index-cleaner': ['7', '--rollover', 'http://es:9200'],
      'jaeger-es-rollover': ['rollover', '--conditions={"max_age": "1d"}', 'http://es:9200'],
      'jaeger-es-lookback': ['lookback', '--unit=days', '--unit-count=3', 'http://es:9200'],
    });
  });

  test('OpenSearch renders the opensearch backend key', () => {
    const { objects } = withCollector({ serverUrls: ['http://os:9200'], engine: SearchEngine.OPENSEARCH });
    const backends = configFile(objects, 'jaeger-collector-config', 'config.yaml').extensions.jaeger_storage.backends;
    expect(Object.keys(backends.opensearch)).toStrictEqual(['opensearch']);
  });

  test('index cleaner can be turned off', () => {
    const chart = testChart();
    new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://es:9200'], indexCleaner: { enabled: false } });
    expect(synth(chart)).toStrictEqual([]);
  });

  test('fails if there is no server URL', () => {
    expect(() => new ElasticsearchStorage(testChart(), 'es', { serverUrls: [] })).toThrow(/test\/es: 'serverUrls' must be at least one http:\/\/ or https:\/\/ URL, got \[\]/);
  });

  test('fails if a URL carries credentials, without repeating them', () => {
    for (const url of ['http://elastic:changeme@es:9200', 'https://elastic:changeme@es:9200/', 'http://changeme@es:9200']) {
      expect(() => new ElasticsearchStorage(testChart(), 'es', { serverUrls: ['http://es-0:9200', url] }))
        .toThrow(new Error('test/es: \'serverUrls[1]\' must be an http:// or https:// URL with a host and no user info (credentials go in a Secret), '
          + `such as "http://elasticsearch:9200", got "${url.replace(/\/\/.*@/, '//***@')}"`));
    }
  });

  test('fails if a URL is not a URL', () => {
    expect(() => new ElasticsearchStorage(testChart(), 'es', { serverUrls: ['es:9200'] })).toThrow(/'serverUrls\[0\]'/);
  });

  test('fails if TLS is set for http:// URLs', () => {
    expect(() => new ElasticsearchStorage(testChart(), 'es', { serverUrls: ['http://es:9200'], tls: { ca: { secretName: 'ca', key: 'ca.crt' } } }))
      .toThrow(/'tls' must be unset for http:\/\/ server URLs/);
  });

  test('fails if shards is zero', () => {
    expect(() => new ElasticsearchStorage(testChart(), 'es', { serverUrls: ['http://es:9200'], shards: 0 })).toThrow(/'shards' must be an integer from 1 to 1024, got 0/);
  });

  test('fails if the index prefix is not an index name', () => {
    expect(() => new ElasticsearchStorage(testChart(), 'es', { serverUrls: ['http://es:9200'], indexPrefix: 'Prod-' })).toThrow(/'indexPrefix' must be lower-case.*got "Prod-"/);
  });

  test('fails if the retention is zero days', () => {
    expect(() => new ElasticsearchStorage(testChart(), 'es', { serverUrls: ['http://es:9200'], indexCleaner: { retentionDays: 0 } }))
      .toThrow(/'indexCleaner.retentionDays' must be an integer from 1 to 3650, got 0/);
  });

  test('fails if the schedule is not cron', () => {
    expect(() => new ElasticsearchStorage(testChart(), 'es', { serverUrls: ['http://es:9200'], indexCleaner: { schedule: 'daily' } }))
      .toThrow(/'indexCleaner.schedule' must be a five-field cron expression.*got "daily"/);
  });

  test('fails if rollover conditions are not a JSON object', () => {
    expect(() => new ElasticsearchStorage(testChart(), 'es', { serverUrls: ['http://es:9200'], rollover: { enabled: true, conditions: 'max_age=1d' } }))
      .toThrow(/'rollover.conditions' must be a JSON object of rollover conditions.*got "max_age=1d"/);
  });

  test('fails if an OpenSearch mapping version is not 7', () => {
    expect(() => new ElasticsearchStorage(testChart(), 'es', { serverUrls: ['http://os:9200'], engine: SearchEngine.OPENSEARCH, version: 2 }))
      .toThrow(/'version' must be 7 with OpenSearch .*got 2/);
  });
});
