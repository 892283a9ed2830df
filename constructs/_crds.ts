/**
 * The classes and enums that `cdk8s import` generated for the custom resources (`imports/`, about
 * 136,000 lines), loaded when a construct that makes one of these objects is built, not when the
 * library is loaded: a chart that uses none of them does not pay for reading them (issue 23).
 *
 * Elsewhere, take only types from `imports/` (`import type { Kafka } from '../../imports/…'`, erased
 * from the JavaScript) and the classes and enums from these functions, inside constructors and
 * methods, never at module top level. Node caches each module after its first `require`.
 * test/lazy-imports.test.ts checks that loading the library loads none of them.
 */

/** `Jaeger` (jaegertracing.io/v1), for {@link JaegerOperatorInstance}. */
export function jaegerCrd(): typeof import('../imports/jaeger-jaegertracing.io') {
  return require('../imports/jaeger-jaegertracing.io');
}

/** `Kafka` (kafka.strimzi.io/v1), for {@link StrimziKafka}. */
export function kafkaCrd(): typeof import('../imports/kafka-kafka.strimzi.io') {
  return require('../imports/kafka-kafka.strimzi.io');
}

/** `KafkaNodePool` (kafka.strimzi.io/v1), for {@link StrimziKafka}. */
export function kafkaNodePoolCrd(): typeof import('../imports/kafkanodepool-kafka.strimzi.io') {
  return require('../imports/kafkanodepool-kafka.strimzi.io');
}

/** `KafkaTopic` (kafka.strimzi.io/v1), for {@link StrimziKafka}. */
export function kafkaTopicCrd(): typeof import('../imports/kafkatopic-kafka.strimzi.io') {
  return require('../imports/kafkatopic-kafka.strimzi.io');
}

/** `OpenTelemetryCollector` (opentelemetry.io/v1beta1), for {@link OtelCollectorOperatorInstance}. */
export function otelCollectorCrd(): typeof import('../imports/otelcollector-opentelemetry.io') {
  return require('../imports/otelcollector-opentelemetry.io');
}

/** `Instrumentation` (opentelemetry.io/v1alpha1), for {@link OperatorInstrumentation}. */
export function otelInstrumentationCrd(): typeof import('../imports/otelinstrumentation-opentelemetry.io') {
  return require('../imports/otelinstrumentation-opentelemetry.io');
}

/** `PodMonitor` (monitoring.coreos.com/v1), for {@link TracingMonitoring}. */
export function podMonitorCrd(): typeof import('../imports/podmonitor-monitoring.coreos.com') {
  return require('../imports/podmonitor-monitoring.coreos.com');
}

/** `PrometheusRule` (monitoring.coreos.com/v1), for {@link TracingMonitoring}. */
export function prometheusRuleCrd(): typeof import('../imports/prometheusrule-monitoring.coreos.com') {
  return require('../imports/prometheusrule-monitoring.coreos.com');
}
