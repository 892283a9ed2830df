import { Construct } from 'constructs';
import { ErrorScope, propError, requireInteger } from '../_errors';
import { Prerequisites } from '../prerequisites';
import { SecretKeyReference } from '../storage/secret-key-reference';
import { parseBroker, requireSecretKeyReference, requireTopicName } from './_kafka-validation';

/** SASL mechanisms a Kafka client can authenticate with, by their wire names. */
export enum KafkaSaslMechanism {
  /** User name and password in clear text: only over TLS. */
  PLAIN = 'PLAIN',
  /** SCRAM with SHA-256 (RFC 7677). */
  SCRAM_SHA_256 = 'SCRAM-SHA-256',
  /** SCRAM with SHA-512. */
  SCRAM_SHA_512 = 'SCRAM-SHA-512',
}

/** TLS towards the brokers. Present means the clients connect with TLS. */
export interface KafkaTls {
  /**
   * CA certificate (PEM) that signed the brokers' certificates.
   * @default - the system trust store of the client's image
   */
  readonly ca?: SecretKeyReference;
  /**
   * Skip verification of the brokers' certificates. For tests only: anyone on the path can read
   * and forge spans.
   * @default false
   */
  readonly insecureSkipVerify?: boolean;
}

/** SASL authentication, with both credentials read from Secrets the user creates. */
export interface KafkaSasl {
  /** The mechanism the brokers accept. */
  readonly mechanism: KafkaSaslMechanism;
  /** Secret key that holds the user name. */
  readonly username: SecretKeyReference;
  /** Secret key that holds the password. */
  readonly password: SecretKeyReference;
}

/**
 * A Kafka-compatible queue (Apache Kafka, Redpanda, WarpStream, Amazon MSK) and the one topic
 * that producers write spans to and consumers read them from: what Tempo 3's distributors,
 * live-stores and block-builders, and Jaeger's collectors and ingesters, need to wire to it,
 * whatever renders their configuration.
 */
export interface IKafka {
  /** Bootstrap brokers, as `host:port`. */
  readonly bootstrapServers: string[];
  /** The topic. */
  readonly topic: string;
  /**
   * Partitions of the topic, when known (always when this library creates the topic). Consumers
   * that own partitions check it with {@link requirePartitionsFor}.
   * @default - unknown (a topic managed elsewhere)
   */
  readonly partitions?: number;
  /**
   * TLS settings; present means TLS.
   * @default - plaintext
   */
  readonly tls?: KafkaTls;
  /**
   * SASL authentication.
   * @default - none
   */
  readonly sasl?: KafkaSasl;
  /** Whether the brokers run in this Kubernetes cluster (NetworkPolicies, DNS names). */
  readonly inCluster: boolean;
}

/** Props of {@link ExternalKafka}. */
export interface ExternalKafkaProps {
  /**
   * Bootstrap brokers as `host:port` (no scheme): for MSK the `BootstrapBrokerStringTls` entries,
   * for Redpanda or WarpStream their Kafka API address.
   * @see https://kafka.apache.org/documentation/#producerconfigs_bootstrap.servers
   */
  readonly bootstrapServers: string[];
  /**
   * The topic, which must exist or be auto-created by the consumers.
   * @see https://kafka.apache.org/documentation/#basic_ops_add_topic
   */
  readonly topic: string;
  /**
   * Partitions of the topic, if you know them; consumers then check that they have enough.
   * @default - unknown: no partition check
   */
  readonly partitions?: number;
  /**
   * TLS towards the brokers; present means TLS.
   * @default - plaintext
   */
  readonly tls?: KafkaTls;
  /**
   * SASL authentication; credentials come from Secrets that you create.
   * @default - none
   * @see https://kafka.apache.org/documentation/#security_sasl
   */
  readonly sasl?: KafkaSasl;
  /**
   * Whether the brokers run in this Kubernetes cluster.
   * @default - true when every broker host is a Service name (no dot, or a `.svc` label), else false
   */
  readonly inCluster?: boolean;
  /**
   * Accept SASL PLAIN without TLS, which sends the password in clear text. Tempo 3.0 speaks only
   * SASL PLAIN and has no Kafka TLS, so this is how Tempo authenticates to a Kafka listener on a
   * private network (restrict it with NetworkPolicies).
   * @default false
   */
  readonly allowPlaintextSasl?: boolean;
}

/**
 * An existing Kafka-compatible cluster (Apache Kafka, Redpanda, WarpStream, Amazon MSK) that
 * this chart does not create. It renders nothing: it validates the connection settings and
 * declares the brokers and Secrets as {@link Prerequisites} of the chart.
 *
 * Only SASL PLAIN and SCRAM are modelled (not MSK IAM or OAUTHBEARER).
 */
export class ExternalKafka extends Construct implements IKafka {
  public readonly bootstrapServers: string[];
  public readonly topic: string;
  public readonly partitions?: number;
  public readonly tls?: KafkaTls;
  public readonly sasl?: KafkaSasl;
  public readonly inCluster: boolean;

  constructor(scope: Construct, id: string, props: ExternalKafkaProps) {
    super(scope, id);
    if (!Array.isArray(props.bootstrapServers) || props.bootstrapServers.length === 0) {
      throw propError(this, 'bootstrapServers', props.bootstrapServers, 'at least one broker address "host:port"');
    }
    const brokers = props.bootstrapServers.map((b, i) => parseBroker(this, `bootstrapServers[${i}]`, b));
    const seen = new Set<string>();
    props.bootstrapServers.forEach((b, i) => {
      const key = b.toLowerCase();
      if (seen.has(key)) throw propError(this, `bootstrapServers[${i}]`, b, 'a broker address not already listed');
      seen.add(key);
    });
    requireTopicName(this, 'topic', props.topic);
    if (props.partitions !== undefined) requireInteger(this, 'partitions', props.partitions, 1);
    if (props.tls) validateTls(this, 'tls', props.tls);
    if (props.sasl) {
      validateSasl(this, 'sasl', props.sasl);
      if (props.sasl.mechanism === KafkaSaslMechanism.PLAIN && !props.tls && !props.allowPlaintextSasl) {
        throw propError(this, 'sasl.mechanism', props.sasl.mechanism, 'SCRAM_SHA_256 or SCRAM_SHA_512 without \'tls\' (PLAIN sends the password in clear text; set \'tls\', or allowPlaintextSasl: true on a private network)');
      }
    }

    this.bootstrapServers = [...props.bootstrapServers];
    this.topic = props.topic;
    this.partitions = props.partitions;
    this.tls = props.tls ? { ...props.tls } : undefined;
    this.sasl = props.sasl ? { ...props.sasl } : undefined;
    this.inCluster = props.inCluster ?? brokers.every(b => !b.host.includes('.') || /\.svc(\.|$)/.test(b.host));

    const prerequisites = Prerequisites.of(this);
    for (const b of this.bootstrapServers) {
      prerequisites.addEndpoint(b, `Kafka broker (topic ${JSON.stringify(this.topic)})`);
    }
    if (this.tls?.ca) {
      prerequisites.addSecret(this.tls.ca.secretName, `CA certificate (key '${this.tls.ca.key}') of the Kafka brokers`);
    }
    if (this.sasl) {
      const { username, password, mechanism } = this.sasl;
      if (username.secretName === password.secretName) {
        prerequisites.addSecret(username.secretName, `Kafka SASL ${mechanism} user name (key '${username.key}') and password (key '${password.key}')`);
      } else {
        prerequisites.addSecret(username.secretName, `Kafka SASL ${mechanism} user name (key '${username.key}')`);
        prerequisites.addSecret(password.secretName, `Kafka SASL ${mechanism} password (key '${password.key}')`);
      }
    }
  }
}

function validateTls(scope: ErrorScope, field: string, tls: KafkaTls): void {
  if (tls.ca) requireSecretKeyReference(scope, `${field}.ca`, tls.ca);
  if (tls.insecureSkipVerify !== undefined && typeof tls.insecureSkipVerify !== 'boolean') {
    throw propError(scope, `${field}.insecureSkipVerify`, tls.insecureSkipVerify, 'true or false');
  }
  if (tls.ca && tls.insecureSkipVerify) {
    throw propError(scope, `${field}.insecureSkipVerify`, true, `unset when '${field}.ca' is given (a CA is only useful when certificates are verified)`);
  }
}

function validateSasl(scope: ErrorScope, field: string, sasl: KafkaSasl): void {
  const mechanisms = Object.values(KafkaSaslMechanism);
  if (!mechanisms.includes(sasl.mechanism)) {
    throw propError(scope, `${field}.mechanism`, sasl.mechanism, `one of ${mechanisms.join(', ')}`);
  }
  requireSecretKeyReference(scope, `${field}.username`, sasl.username);
  requireSecretKeyReference(scope, `${field}.password`, sasl.password);
}

/**
 * Checks, for a consumer that owns partitions (Tempo's live-stores and block-builders), that the
 * topic has at least one partition per consumer: a consumer without one idles, and with Tempo's
 * live-store its share of recent traces is never served. Does nothing when the partitions are
 * unknown (a topic managed elsewhere).
 * @param scope the consumer construct, named in the error
 * @param kafka the queue
 * @param consumers how many consumers own partitions (e.g. live-store replicas per zone)
 * @param field the consumer's prop that sets that count (`liveStore.replicas`)
 */
export function requirePartitionsFor(scope: ErrorScope, kafka: IKafka, consumers: number, field: string): void {
  requireInteger(scope, field, consumers, 1);
  if (kafka.partitions !== undefined && consumers > kafka.partitions) {
    throw propError(scope, field, consumers,
      `at most ${kafka.partitions}, the partitions of Kafka topic ${JSON.stringify(kafka.topic)} (each consumer needs a partition of its own); raise the topic's partitions or lower '${field}'`);
  }
}
