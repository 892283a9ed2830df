import { GrafanaDatasources, ServiceEndpoint } from '../constructs';
import { configFile, synth, testChart } from './_support/synth';

const DNS_LABEL = "a DNS label of at most 63 characters (lower-case letters, digits and '-', starting and ending alphanumeric)";
const PORT_NAME = "an IANA service name: 1 to 15 lower-case letters, digits and '-', with a letter, no '-' at either end or twice in a row";

describe('ServiceEndpoint', () => {
  test('host, hostPort and url', () => {
    const e = new ServiceEndpoint('tempo-query-frontend', 'tracing', 3200, 'http');
    expect([e.host, e.hostPort, e.url('http', '/api')]).toStrictEqual(['tempo-query-frontend.tracing.svc', 'tempo-query-frontend.tracing.svc:3200', 'http://tempo-query-frontend.tracing.svc:3200/api']);
  });

  test('without a namespace: a Service of the reader\'s namespace, or a host name outside the cluster', () => {
    expect(new ServiceEndpoint('jaeger', undefined, 16686, 'http-query').host).toBe('jaeger');
    expect(new ServiceEndpoint('tempo.example.com', undefined, 443, 'https').url('https')).toBe('https://tempo.example.com:443');
  });

  test('the longest port name Kubernetes takes (15 characters) and the port range ends', () => {
    expect(() => new ServiceEndpoint('a', 'b', 1, 'tcp-clients-tls')).not.toThrow();
    expect(() => new ServiceEndpoint('a', 'b', 65535, '9411-zipkin')).not.toThrow();
  });

  test.each<[string, ConstructorParameters<typeof ServiceEndpoint>, string]>([
    ['the service name has a space', ['my tempo', 'tracing', 3200, 'http'], `ServiceEndpoint: 'serviceName' must be ${DNS_LABEL}, got "my tempo"`],
    ['the service name has a dot while a namespace is given', ['tempo.example.com', 'tracing', 3200, 'http'], `ServiceEndpoint: 'serviceName' must be ${DNS_LABEL}, got "tempo.example.com"`],
    ['the service name is upper-case', ['Tempo', 'tracing', 3200, 'http'], `ServiceEndpoint: 'serviceName' must be ${DNS_LABEL}, got "Tempo"`],
    ['a host name outside the cluster has a space', ['tempo example.com', undefined, 443, 'https'],
      "ServiceEndpoint: 'serviceName' must be a DNS subdomain of at most 253 characters (lower-case letters, digits, '-' and '.'), got \"tempo example.com\""],
    ['the namespace is not a DNS label', ['tempo', 'Bad_NS', 3200, 'http'], `ServiceEndpoint: 'namespace' must be ${DNS_LABEL}, got "Bad_NS"`],
    ['the namespace is empty', ['tempo', '', 3200, 'http'], `ServiceEndpoint: 'namespace' must be ${DNS_LABEL}, got ""`],
    ['the port is 0', ['tempo', 'tracing', 0, 'http'], "ServiceEndpoint: 'port' must be an integer from 1 to 65535, got 0"],
    ['the port is above 65535', ['tempo', 'tracing', 65536, 'http'], "ServiceEndpoint: 'port' must be an integer from 1 to 65535, got 65536"],
    ['the port is not an integer', ['tempo', 'tracing', 3200.5, 'http'], "ServiceEndpoint: 'port' must be an integer from 1 to 65535, got 3200.5"],
    ['the port name is longer than 15 characters', ['tempo', 'tracing', 3200, 'http-query-frontend'], `ServiceEndpoint: 'portName' must be ${PORT_NAME}, got "http-query-frontend"`],
    ['the port name has no letter', ['tempo', 'tracing', 3200, '3200'], `ServiceEndpoint: 'portName' must be ${PORT_NAME}, got "3200"`],
    ['the port name has "--"', ['tempo', 'tracing', 3200, 'http--api'], `ServiceEndpoint: 'portName' must be ${PORT_NAME}, got "http--api"`],
    ['the port name is upper-case', ['tempo', 'tracing', 3200, 'HTTP'], `ServiceEndpoint: 'portName' must be ${PORT_NAME}, got "HTTP"`],
  ])('fails if %s', (_, args, message) => {
    expect(() => new ServiceEndpoint(...args)).toThrow(message);
  });

  test('a hand-made endpoint renders into a datasource URL as given', () => {
    const chart = testChart();
    const ds = new GrafanaDatasources(chart, 'grafana', { tempo: { endpoint: new ServiceEndpoint('tempo-query-frontend', 'tempo', 3200, 'http') } });
    expect(configFile(synth(chart), ds.configMap.name, ds.fileName).datasources[0].url).toBe('http://tempo-query-frontend.tempo.svc:3200');
  });
});
