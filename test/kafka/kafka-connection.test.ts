import { Prerequisites } from '../../constructs/prerequisites';
import {
  ExternalKafka, ExternalKafkaProps, IKafka, KafkaSaslMechanism, requirePartitionsFor,
} from '../../constructs/kafka/kafka-connection';
import { StrimziKafka } from '../../constructs/kafka/strimzi-kafka';
import { synth, testChart } from '../_support/synth';

const msk: ExternalKafkaProps = {
  bootstrapServers: ['b-1.traces.abc123.c2.kafka.eu-west-1.amazonaws.com:9096', 'b-2.traces.abc123.c2.kafka.eu-west-1.amazonaws.com:9096'],
  topic: 'tempo-ingest',
  partitions: 12,
  tls: { ca: { secretName: 'msk-ca', key: 'ca.crt' } },
  sasl: {
    mechanism: KafkaSaslMechanism.SCRAM_SHA_512,
    username: { secretName: 'msk-scram', key: 'username' },
    password: { secretName: 'msk-scram', key: 'password' },
  },
};

function external(props: ExternalKafkaProps): ExternalKafka {
  return new ExternalKafka(testChart(), 'kafka', props);
}

/** The connection as consumers see it. */
function view(k: IKafka) {
  return { bootstrapServers: k.bootstrapServers, topic: k.topic, partitions: k.partitions, tls: k.tls, sasl: k.sasl, inCluster: k.inCluster };
}

describe('ExternalKafka', () => {
  test('defaults: the connection, its prerequisites, and no objects', () => {
    const chart = testChart();
    const kafka = new ExternalKafka(chart, 'kafka', { bootstrapServers: ['redpanda-0.redpanda.streaming.svc.cluster.local:9093'], topic: 'tempo-ingest' });
    expect(synth(chart)).toStrictEqual([]);
    expect({ connection: view(kafka), prerequisites: Prerequisites.of(chart).describe() }).toMatchSnapshot();
    expect(view(kafka)).toStrictEqual({
      bootstrapServers: ['redpanda-0.redpanda.streaming.svc.cluster.local:9093'],
      topic: 'tempo-ingest',
      partitions: undefined,
      tls: undefined,
      sasl: undefined,
      inCluster: true,
    });
  });

  test('TLS with a CA and SCRAM credentials from one Secret', () => {
    const chart = testChart();
    const kafka = new ExternalKafka(chart, 'kafka', msk);
    expect(view(kafka)).toStrictEqual({
      bootstrapServers: msk.bootstrapServers,
      topic: 'tempo-ingest',
      partitions: 12,
      tls: { ca: { secretName: 'msk-ca', key: 'ca.crt' } },
      sasl: { mechanism: 'SCRAM-SHA-512', username: { secretName: 'msk-scram', key: 'username' }, password: { secretName: 'msk-scram', key: 'password' } },
      inCluster: false,
    });
    const p = Prerequisites.of(chart);
    expect(p.secrets).toStrictEqual([
      { name: 'msk-ca', purpose: 'CA certificate (key \'ca.crt\') of the Kafka brokers' },
      { name: 'msk-scram', purpose: 'Kafka SASL SCRAM-SHA-512 user name (key \'username\') and password (key \'password\')' },
    ]);
    expect(p.endpoints.map(e => e.name)).toStrictEqual(msk.bootstrapServers);
  });

  test('SASL credentials from two Secrets are declared separately', () => {
    const chart = testChart();
    new ExternalKafka(chart, 'kafka', {
      bootstrapServers: ['10.0.0.5:9092', '[fd00::5]:9092'],
      topic: 'spans',
      tls: { insecureSkipVerify: true },
      sasl: { mechanism: KafkaSaslMechanism.PLAIN, username: { secretName: 'kafka-user', key: 'name' }, password: { secretName: 'kafka-password', key: 'value' } },
    });
    expect(Prerequisites.of(chart).secrets.map(s => s.name)).toStrictEqual(['kafka-user', 'kafka-password']);
    expect(Prerequisites.of(chart).endpoints.map(e => e.name)).toStrictEqual(['10.0.0.5:9092', '[fd00::5]:9092']);
  });

  test('inCluster is inferred from the host names, and can be set', () => {
    expect(external({ bootstrapServers: ['kafka:9092'], topic: 't' }).inCluster).toBe(true);
    expect(external({ bootstrapServers: ['kafka.streaming.svc:9092'], topic: 't' }).inCluster).toBe(true);
    expect(external({ bootstrapServers: ['kafka.example.com:9092'], topic: 't' }).inCluster).toBe(false);
    expect(external({ bootstrapServers: ['kafka.example.com:9092'], topic: 't', inCluster: true }).inCluster).toBe(true);
  });

  test('copies its inputs: later changes to the props do not leak in', () => {
    const servers = ['kafka:9092'];
    const kafka = external({ bootstrapServers: servers, topic: 't' });
    servers.push('other:9092');
    expect(kafka.bootstrapServers).toStrictEqual(['kafka:9092']);
  });

  test('accepts the Kafka topic-name alphabet up to 249 characters', () => {
    expect(external({ bootstrapServers: ['kafka:9092'], topic: 'Tempo_Ingest.v1-a' }).topic).toBe('Tempo_Ingest.v1-a');
    expect(external({ bootstrapServers: ['kafka:9092'], topic: 'x'.repeat(249) }).topic).toHaveLength(249);
  });

  test('fails if there are no brokers', () => {
    expect(() => external({ bootstrapServers: [], topic: 't' }))
      .toThrow(/^test\/kafka: 'bootstrapServers' must be at least one broker address "host:port", got \[\]$/);
  });

  test.each([
    ['kafka', 'no port'],
    ['kafka:0', 'port 0'],
    ['kafka:65536', 'port above 65535'],
    ['kafka://kafka:9092', 'a scheme'],
    ['kafka:9092/path', 'a path'],
    ['::1:9092', 'an unbracketed IPv6 address'],
    ['-kafka:9092', 'an invalid host'],
    ['300.1.1.1:9092', 'an invalid IPv4 address'],
    [':9092', 'no host'],
  ])('fails if a broker is %j (%s)', (broker) => {
    expect(() => external({ bootstrapServers: ['kafka-0:9092', broker], topic: 't' }))
      .toThrow(new RegExp(`^test/kafka: 'bootstrapServers\\[1\\]' must be a broker address "host:port" .* got ${JSON.stringify(broker).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
  });

  test('fails if a broker carries SASL credentials, without repeating them', () => {
    expect(() => external({ bootstrapServers: ['tempo:s3cret@kafka-0:9092'], topic: 't' }))
      .toThrow(/^test\/kafka: 'bootstrapServers\[0\]' must be a broker address "host:port" .*, got "\*\*\*@kafka-0:9092"$/);
    expect(() => external({ bootstrapServers: ['sasl_ssl://tempo:s3cret@kafka-0:9092'], topic: 't' }))
      .toThrow(/^test\/kafka: 'bootstrapServers\[0\]' must be a broker address "host:port" .*, got "sasl_ssl:\/\/\*\*\*@kafka-0:9092"$/);
  });

  test('fails if a broker is listed twice', () => {
    expect(() => external({ bootstrapServers: ['kafka:9092', 'KAFKA:9092'], topic: 't' }))
      .toThrow(/'bootstrapServers\[1\]' must be a broker address not already listed, got "KAFKA:9092"/);
  });

  test.each(['', '.', '..', 'tempo ingest', 'tempo/ingest', 'x'.repeat(250)])('fails if the topic is %j', (topic) => {
    expect(() => external({ bootstrapServers: ['kafka:9092'], topic }))
      .toThrow(/^test\/kafka: 'topic' must be a Kafka topic name: 1 to 249 characters of letters, digits, '.', '_' and '-', not "." or "..", got /);
  });

  test('fails if partitions is zero', () => {
    expect(() => external({ bootstrapServers: ['kafka:9092'], topic: 't', partitions: 0 }))
      .toThrow(/^test\/kafka: 'partitions' must be an integer >= 1, got 0$/);
  });

  test('fails if partitions is fractional', () => {
    expect(() => external({ bootstrapServers: ['kafka:9092'], topic: 't', partitions: 2.5 })).toThrow(/'partitions' must be an integer >= 1, got 2.5/);
  });

  test('fails if a CA is given with insecureSkipVerify', () => {
    expect(() => external({ ...msk, tls: { ca: { secretName: 'ca', key: 'ca.crt' }, insecureSkipVerify: true } }))
      .toThrow(/'tls.insecureSkipVerify' must be unset when 'tls.ca' is given/);
  });

  test('fails if a Secret name or key is invalid', () => {
    expect(() => external({ ...msk, tls: { ca: { secretName: 'My_CA', key: 'ca.crt' } } })).toThrow(/'tls.ca.secretName' must be a DNS subdomain/);
    expect(() => external({ ...msk, sasl: { ...msk.sasl!, password: { secretName: 'scram', key: 'pass word' } } }))
      .toThrow(/'sasl.password.key' must be a Secret key .* got "pass word"/);
  });

  test('fails if the SASL mechanism is unknown', () => {
    expect(() => external({ ...msk, sasl: { ...msk.sasl!, mechanism: 'GSSAPI' as KafkaSaslMechanism } }))
      .toThrow(/'sasl.mechanism' must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, got "GSSAPI"/);
  });

  test('fails if SASL PLAIN is used without TLS', () => {
    const { tls: _tls, ...noTls } = msk;
    expect(() => external({ ...noTls, sasl: { ...msk.sasl!, mechanism: KafkaSaslMechanism.PLAIN } }))
      .toThrow(/'sasl.mechanism' must be SCRAM_SHA_256 or SCRAM_SHA_512 without 'tls' \(PLAIN sends the password in clear text/);
    expect(() => external({ ...noTls, sasl: { ...msk.sasl!, mechanism: KafkaSaslMechanism.SCRAM_SHA_256 } })).not.toThrow();
  });

  test('SASL PLAIN without TLS is accepted on explicit opt-in (what Tempo 3.0 can speak)', () => {
    const { tls: _tls, ...noTls } = msk;
    const kafka = external({ ...noTls, sasl: { ...msk.sasl!, mechanism: KafkaSaslMechanism.PLAIN }, allowPlaintextSasl: true });
    expect(kafka.sasl?.mechanism).toBe(KafkaSaslMechanism.PLAIN);
    expect(kafka.tls).toBeUndefined();
  });
});

describe('requirePartitionsFor', () => {
  const known: IKafka = { bootstrapServers: ['kafka:9092'], topic: 'tempo-ingest', partitions: 3, inCluster: true };

  test('passes when every consumer has a partition', () => {
    expect(() => requirePartitionsFor('tracing/tempo', known, 3, 'liveStore.replicas')).not.toThrow();
    expect(() => requirePartitionsFor('tracing/tempo', known, 1, 'liveStore.replicas')).not.toThrow();
  });

  test('passes when the partitions are unknown', () => {
    expect(() => requirePartitionsFor('tracing/tempo', { ...known, partitions: undefined }, 100, 'liveStore.replicas')).not.toThrow();
  });

  test('fails if partitions are fewer than consumers', () => {
    expect(() => requirePartitionsFor('tracing/tempo', known, 4, 'liveStore.replicas'))
      .toThrow(/^tracing\/tempo: 'liveStore.replicas' must be at most 3, the partitions of Kafka topic "tempo-ingest" \(each consumer needs a partition of its own\); raise the topic's partitions or lower 'liveStore.replicas', got 4$/);
  });

  test('fails if partitions of a StrimziKafka topic are fewer than consumers, naming the consumer construct', () => {
    const chart = testChart();
    const kafka = new StrimziKafka(chart, 'kafka', { partitions: 2 });
    expect(() => requirePartitionsFor(chart, kafka, 3, 'blockBuilder.replicas')).toThrow(/^test: 'blockBuilder.replicas' must be at most 2, the partitions of Kafka topic "tempo-ingest"/);
  });

  test('fails if the consumer count is not a positive integer', () => {
    expect(() => requirePartitionsFor('tracing/tempo', known, 0, 'liveStore.replicas')).toThrow(/'liveStore.replicas' must be an integer >= 1, got 0/);
  });
});
