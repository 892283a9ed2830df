/**
 * The classes and enums that `cdk8s import` generated for the custom resources (`imports/`, about
 * 136,000 lines), loaded when a construct that makes one of these objects is built, not when the
 * library is loaded: a chart that uses none of them does not pay for reading them (issue 23).
 *
 * Elsewhere, take only types from `imports/` (`import type { Kafka } from '../../imports/…'`, erased
 * from the JavaScript) and the classes and enums from these functions, inside constructors and
 * methods, never at module top level. Each function keeps the module it loaded: Node caches a
 * module after its first `require`, but a bundle (esbuild's, as `npm run synth` runs the app)
 * copies every export of an ES module into a new object at each `require` of it.
 * test/lazy-imports.test.ts checks that loading the library loads none of them.
 */

/** The modules loaded so far, by the function that loads each. */
const LOADED: {
  jaegerCrd?: typeof import('../imports/jaeger-jaegertracing.io');
  kafkaCrd?: typeof import('../imports/kafka-kafka.strimzi.io');
  kafkaNodePoolCrd?: typeof import('../imports/kafkanodepool-kafka.strimzi.io');
  kafkaTopicCrd?: typeof import('../imports/kafkatopic-kafka.strimzi.io');
  otelCollectorCrd?: typeof import('../imports/otelcollector-opentelemetry.io');
  otelInstrumentationCrd?: typeof import('../imports/otelinstrumentation-opentelemetry.io');
  podMonitorCrd?: typeof import('../imports/podmonitor-monitoring.coreos.com');
  prometheusRuleCrd?: typeof import('../imports/prometheusrule-monitoring.coreos.com');
} = {};

/** `Jaeger` (jaegertracing.io/v1), for {@link JaegerOperatorInstance}. */
export function jaegerCrd(): typeof import('../imports/jaeger-jaegertracing.io') {
  return (LOADED.jaegerCrd ??= require('../imports/jaeger-jaegertracing.io'));
}

/** `Kafka` (kafka.strimzi.io/v1), for {@link StrimziKafka}. */
export function kafkaCrd(): typeof import('../imports/kafka-kafka.strimzi.io') {
  return (LOADED.kafkaCrd ??= require('../imports/kafka-kafka.strimzi.io'));
}

/** `KafkaNodePool` (kafka.strimzi.io/v1), for {@link StrimziKafka}. */
export function kafkaNodePoolCrd(): typeof import('../imports/kafkanodepool-kafka.strimzi.io') {
  return (LOADED.kafkaNodePoolCrd ??= require('../imports/kafkanodepool-kafka.strimzi.io'));
}

/** `KafkaTopic` (kafka.strimzi.io/v1), for {@link StrimziKafka}. */
export function kafkaTopicCrd(): typeof import('../imports/kafkatopic-kafka.strimzi.io') {
  return (LOADED.kafkaTopicCrd ??= require('../imports/kafkatopic-kafka.strimzi.io'));
}

/** `OpenTelemetryCollector` (opentelemetry.io/v1beta1), for {@link OtelCollectorOperatorInstance}. */
export function otelCollectorCrd(): typeof import('../imports/otelcollector-opentelemetry.io') {
  return (LOADED.otelCollectorCrd ??= require('../imports/otelcollector-opentelemetry.io'));
}

/** `Instrumentation` (opentelemetry.io/v1alpha1), for {@link OperatorInstrumentation}. */
export function otelInstrumentationCrd(): typeof import('../imports/otelinstrumentation-opentelemetry.io') {
  return (LOADED.otelInstrumentationCrd ??= require('../imports/otelinstrumentation-opentelemetry.io'));
}

/** `PodMonitor` (monitoring.coreos.com/v1), for {@link TracingMonitoring}. */
export function podMonitorCrd(): typeof import('../imports/podmonitor-monitoring.coreos.com') {
  return (LOADED.podMonitorCrd ??= require('../imports/podmonitor-monitoring.coreos.com'));
}

/** `PrometheusRule` (monitoring.coreos.com/v1), for {@link TracingMonitoring}. */
export function prometheusRuleCrd(): typeof import('../imports/prometheusrule-monitoring.coreos.com') {
  return (LOADED.prometheusRuleCrd ??= require('../imports/prometheusrule-monitoring.coreos.com'));
}
