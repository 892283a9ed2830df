/** The address detector of the wiring check: what it finds, and what it must not mistake for an address. */
import { findAddresses, isBindOrLoopback } from '../../constructs/wiring/_addresses';

function found(text: string): string[] {
  return findAddresses(text).map((a) => `${a.host}:${a.port}`);
}

describe('findAddresses', () => {
  test.each([
    ['http://tempo:3200', 'tempo:3200'],
    ['http://tempo', 'tempo:80'],
    ['https://es.example.com/path?q=a:1', 'es.example.com:443'],
    ['grpc://tempo-distributor:4317', 'tempo-distributor:4317'],
    ['http://user:secret@elasticsearch:9200/', 'elasticsearch:9200'],
    ['http://Tempo.Tracing.svc.cluster.local.:3200', 'tempo.tracing.svc.cluster.local:3200'],
    ['see http://tempo:3200.', 'tempo:3200'],
    ['dns:///tempo-query-frontend:9095', 'tempo-query-frontend:9095'],
    ['tempo:4317', 'tempo:4317'],
    ['dns+tempo-gossip-ring:7946', 'tempo-gossip-ring:7946'],
    ['--collector.otlp.endpoint=collector.tracing.svc:4317', 'collector.tracing.svc:4317'],
    ['[tempo-gossip-ring:7946]', 'tempo-gossip-ring:7946'],
    ['client { endpoint = "tempo:4317" }', 'tempo:4317'],
    ['10.0.0.12:9200', '10.0.0.12:9200'],
  ])('finds %s', (text, address) => {
    expect(found(text)).toEqual([address]);
  });

  test('finds every address of a list', () => {
    expect(found('kafka-0.kafka:9092,kafka-1.kafka:9092 http://a:1 http://b:2')).toEqual(['a:1', 'b:2', 'kafka-0.kafka:9092', 'kafka-1.kafka:9092']);
  });

  test.each([
    // placeholders for the host or the port
    '${env:MY_POD_IP}:4317',
    '$(POD_IP):4317',
    'http://${env:HOST}:4317',
    'http://$(HOST):4317',
    'http://tempo:${PORT}',
    // bind addresses with an empty host
    '[::]:4317',
    ':4317',
    // times and dates
    '10:30',
    '12:30:45',
    '2006-01-02T15:04',
    '2006-01-02T15:04:05Z07:00',
    'Jan _2 15:04:05',
    'tempo:04',
    // IPv6, MAC addresses and other colon chains
    'fe80::1:2',
    'aa:bb:cc:dd:ee:ff',
    'a:b:1',
    // image references and versions
    'ghcr.io/org/name:1234',
    'name:1.2.3',
    'git@github.com:22',
    // Prometheus: label matchers, recording rule names, subqueries
    'up{instance="node-exporter:9100"}',
    'sum(rate(http_requests_total{job="a", instance=~"web:8080"}[5m]))',
    'job:http_requests:rate5m',
    'rate(x[5m:30s])',
    // YAML text, label selectors, paths
    'app.kubernetes.io/name: tempo',
    'app=web,tier=backend',
    'file:///etc/tempo:80/x',
    'unix:///var/run/otel.sock',
    // not a port
    'host:99999',
    '1.2.3:80',
  ])('does not mistake %s for an address', (text) => {
    expect(found(text)).toEqual([]);
  });

  test('a numeric image tag looks like an address (known limitation)', () => {
    expect(found('busybox:1')).toEqual(['busybox:1']);
  });
});

describe('isBindOrLoopback', () => {
  test.each(['0.0.0.0', '::', '[::]', '::1', '[::1]', 'localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', ''])('%s is a bind or loopback address', (host) => {
    expect(isBindOrLoopback(host)).toBe(true);
  });

  test.each(['tempo', '10.0.0.1', 'localhost.example.com'])('%s is not', (host) => {
    expect(isBindOrLoopback(host)).toBe(false);
  });
});
