import { k8s } from 'cdk8s-plus-28';
import { ErrorScope, propError, requireOneOf } from '../_errors';
import { parseBroker, requireSecretKeyReference, requireTopicName } from '../kafka/_kafka-validation';
import { IKafka, KafkaSaslMechanism } from '../kafka/kafka-connection';
import { KafkaClientConfig, KafkaExporterConfig, KafkaReceiverConfig, KafkaTopicEncodingConfig } from './jaeger-config';

/**
 * How spans are encoded in Kafka records: the encodings that both the Kafka exporter (collector)
 * and the Kafka receiver (ingester) of Jaeger v2.13 speak.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/v0.140.1/receiver/kafkareceiver#configuration
 */
export enum KafkaSpanEncoding {
  /** OTLP protobuf: every attribute and resource kept, compact. */
  OTLP_PROTO = 'otlp_proto',
  /** OTLP JSON: readable with console tools, larger. */
  OTLP_JSON = 'otlp_json',
  /** Jaeger's protobuf `model.Span`, one record per span (what Jaeger v1 collectors wrote). */
  JAEGER_PROTO = 'jaeger_proto',
  /** Jaeger's JSON `model.Span`, one record per span. */
  JAEGER_JSON = 'jaeger_json',
  /** Zipkin v2 protobuf. */
  ZIPKIN_PROTO = 'zipkin_proto',
  /** Zipkin v2 JSON. */
  ZIPKIN_JSON = 'zipkin_json',
}

/** Compression of the records the collector writes (the ingester reads any). */
export enum KafkaCompression {
  /** Uncompressed (the exporter's default). */
  NONE = 'none',
  /** gzip: small records, the most CPU. */
  GZIP = 'gzip',
  /** Snappy: fast, moderate ratio. */
  SNAPPY = 'snappy',
  /** LZ4: fast, moderate ratio. */
  LZ4 = 'lz4',
  /** Zstandard: a good ratio for its CPU; needs brokers of Kafka 2.1 or newer. */
  ZSTD = 'zstd',
}

/** The Kafka queue between Jaeger's collectors and ingesters. */
export interface JaegerKafkaOptions {
  /** The Kafka-compatible cluster: an {@link ExternalKafka} or a {@link StrimziKafka}. */
  readonly kafka: IKafka;
  /**
   * The topic spans go through. Another topic than the cluster's own has unknown partitions, so
   * the ingester replicas are then not checked against them.
   * @default - the cluster's topic (`kafka.topic`)
   */
  readonly topic?: string;
  /**
   * Encoding of the records; collector and ingester must agree.
   * @default KafkaSpanEncoding.OTLP_PROTO
   * @see https://github.com/jaegertracing/jaeger/blob/v1.76.0/cmd/jaeger/config-kafka-collector.yaml
   */
  readonly encoding?: KafkaSpanEncoding;
}

/** The collector's Kafka exporter. */
export interface JaegerCollectorKafkaOptions extends JaegerKafkaOptions {
  /**
   * Compression of the records written.
   * @default KafkaCompression.NONE
   * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/v0.140.1/exporter/kafkaexporter#configuration-settings
   */
  readonly compression?: KafkaCompression;
}

/** Mount point of the Kafka CA certificate (from its Secret). */
export const KAFKA_CA_DIR = '/etc/jaeger/kafka-tls';

/** What a Jaeger pod needs to connect to Kafka: the client settings and the pod additions for them. */
export interface JaegerKafkaBinding {
  readonly client: KafkaClientConfig;
  readonly traces: KafkaTopicEncodingConfig;
  readonly env: k8s.EnvVar[];
  readonly volumes: k8s.Volume[];
  readonly volumeMounts: k8s.VolumeMount[];
}

const SASL_MECHANISMS = Object.values(KafkaSaslMechanism);

/**
 * Checks the options as the Kafka exporter and receiver of Jaeger v2.13 would, and renders the
 * client settings: SASL credentials as `${env:...}` from Secrets, the CA as a mounted file.
 * @param field the prop that holds the options (`kafka`)
 */
export function bindJaegerKafka(scope: ErrorScope, field: string, options: JaegerKafkaOptions, clientId: string): JaegerKafkaBinding {
  if (typeof options !== 'object' || options === null || typeof options.kafka !== 'object' || options.kafka === null) {
    throw propError(scope, `${field}.kafka`, options?.kafka, 'a Kafka cluster (ExternalKafka or StrimziKafka)');
  }
  const kafka = options.kafka;
  if (!Array.isArray(kafka.bootstrapServers) || kafka.bootstrapServers.length === 0) {
    throw propError(scope, `${field}.kafka.bootstrapServers`, kafka.bootstrapServers, 'at least one broker address "host:port"');
  }
  kafka.bootstrapServers.forEach((b, i) => parseBroker(scope, `${field}.kafka.bootstrapServers[${i}]`, b));
  const topic = options.topic ?? kafka.topic;
  requireTopicName(scope, options.topic === undefined ? `${field}.kafka.topic` : `${field}.topic`, topic);
  const encoding = options.encoding ?? KafkaSpanEncoding.OTLP_PROTO;
  requireOneOf(scope, `${field}.encoding`, encoding, Object.values(KafkaSpanEncoding));

  const env: k8s.EnvVar[] = [];
  const volumes: k8s.Volume[] = [];
  const volumeMounts: k8s.VolumeMount[] = [];
  let auth: KafkaClientConfig['auth'];
  if (kafka.sasl) {
    const { mechanism, username, password } = kafka.sasl;
    // What Jaeger's client (franz-go, configkafka.SASLConfig) takes besides AWS_MSK_IAM_OAUTHBEARER, which IKafka does not model.
    requireOneOf(scope, `${field}.kafka.sasl.mechanism`, mechanism, SASL_MECHANISMS);
    requireSecretKeyReference(scope, `${field}.kafka.sasl.username`, username);
    requireSecretKeyReference(scope, `${field}.kafka.sasl.password`, password);
    env.push(
      { name: 'KAFKA_SASL_USERNAME', valueFrom: { secretKeyRef: { name: username.secretName, key: username.key } } },
      { name: 'KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: password.secretName, key: password.key } } },
    );
    auth = { sasl: { mechanism, username: '${env:KAFKA_SASL_USERNAME}', password: '${env:KAFKA_SASL_PASSWORD}' } };
  }
  let tls: KafkaClientConfig['tls'];
  if (kafka.tls) {
    if (kafka.tls.ca && kafka.tls.insecureSkipVerify) {
      throw propError(scope, `${field}.kafka.tls.insecureSkipVerify`, true, 'unset when a CA is given (a CA is only useful when certificates are verified)');
    }
    if (kafka.tls.ca) {
      requireSecretKeyReference(scope, `${field}.kafka.tls.ca`, kafka.tls.ca);
      volumes.push({ name: 'kafka-tls', secret: { secretName: kafka.tls.ca.secretName, items: [{ key: kafka.tls.ca.key, path: 'ca.crt' }] } });
      volumeMounts.push({ name: 'kafka-tls', mountPath: KAFKA_CA_DIR, readOnly: true });
    }
    // `tls: {}` is TLS with the image's trust store; without `tls` the client speaks plaintext.
    tls = {
      ...(kafka.tls.ca ? { ca_file: `${KAFKA_CA_DIR}/ca.crt` } : {}),
      ...(kafka.tls.insecureSkipVerify ? { insecure_skip_verify: true } : {}),
    };
  }
  return {
    client: { brokers: [...kafka.bootstrapServers], client_id: clientId, ...(auth ? { auth } : {}), ...(tls ? { tls } : {}) },
    traces: { topic, encoding },
    env,
    volumes,
    volumeMounts,
  };
}

/**
 * The collector's `exporters.kafka`: one record per trace keyed by trace ID (a trace stays on one
 * partition and a batch of 8192 spans does not become one record over the 1 MB default limit),
 * written when every in-sync replica has it (`required_acks: -1`).
 */
export function kafkaExporterConfig(binding: JaegerKafkaBinding, compression: KafkaCompression): KafkaExporterConfig {
  return {
    ...binding.client,
    traces: binding.traces,
    partition_traces_by_id: true,
    producer: { required_acks: -1, compression },
  };
}

/**
 * The ingester's `receivers.kafka`: a consumer group reading from the earliest retained record;
 * a record's offset is committed only after the storage exporter took it, and a record that
 * failed with a retryable error (storage refusing, memory limiter) is retried forever with
 * backoff rather than skipped; a record that can never be decoded is skipped (else its partition
 * would stop).
 */
export function kafkaReceiverConfig(binding: JaegerKafkaBinding, groupId: string): KafkaReceiverConfig {
  return {
    ...binding.client,
    traces: binding.traces,
    group_id: groupId,
    initial_offset: 'earliest',
    message_marking: { after: true, on_error: false, on_permanent_error: true },
    error_backoff: { enabled: true, initial_interval: '1s', randomization_factor: 0.5, multiplier: 1.5, max_interval: '30s', max_elapsed_time: '0s' },
  };
}
