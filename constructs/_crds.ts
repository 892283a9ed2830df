/**
 * The classes and enums that `cdk8s import` generated for the custom resources (`imports/`, about
 * 136,000 lines), loaded when a construct that makes one of these objects is built, not when the
 * library is loaded: a chart that uses none of them does not pay for reading them (issue 23).
 *
 * Elsewhere, take only types from `imports/` (`import type { Kafka } from '../../imports/…'`, erased
 * from the JavaScript) and the classes and enums from these functions, inside constructors and
 * methods, never at module top level. Each keeps the module it loaded: Node caches a
 * module after its first `require`, but a bundle (esbuild's, as `npm run synth` runs the app)
 * copies every export of an ES module into a new object at each `require` of it.
 * test/lazy-imports.test.ts checks that loading the library loads none of them.
 */

/** `load`, called once: its result is kept for the next calls. */
function once<T>(load: () => T): () => T {
  let loaded: { readonly value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}

/** `Jaeger` (jaegertracing.io/v1), for {@link JaegerOperatorInstance}. */
export const jaegerCrd = once((): typeof import('../imports/jaeger-jaegertracing.io') => require('../imports/jaeger-jaegertracing.io'));

/** `Kafka` (kafka.strimzi.io/v1), for {@link StrimziKafka}. */
export const kafkaCrd = once((): typeof import('../imports/kafka-kafka.strimzi.io') => require('../imports/kafka-kafka.strimzi.io'));

/** `KafkaNodePool` (kafka.strimzi.io/v1), for {@link StrimziKafka}. */
export const kafkaNodePoolCrd = once((): typeof import('../imports/kafkanodepool-kafka.strimzi.io') => require('../imports/kafkanodepool-kafka.strimzi.io'));

/** `KafkaTopic` (kafka.strimzi.io/v1), for {@link StrimziKafka}. */
export const kafkaTopicCrd = once((): typeof import('../imports/kafkatopic-kafka.strimzi.io') => require('../imports/kafkatopic-kafka.strimzi.io'));

/** `OpenTelemetryCollector` (opentelemetry.io/v1beta1), for {@link OtelCollectorOperatorInstance}. */
export const otelCollectorCrd = once((): typeof import('../imports/otelcollector-opentelemetry.io') => require('../imports/otelcollector-opentelemetry.io'));

/** `Instrumentation` (opentelemetry.io/v1alpha1), for {@link OperatorInstrumentation}. */
export const otelInstrumentationCrd = once((): typeof import('../imports/otelinstrumentation-opentelemetry.io') => require('../imports/otelinstrumentation-opentelemetry.io'));

/** `PodMonitor` (monitoring.coreos.com/v1), for {@link TracingMonitoring}. */
export const podMonitorCrd = once((): typeof import('../imports/podmonitor-monitoring.coreos.com') => require('../imports/podmonitor-monitoring.coreos.com'));

/** `PrometheusRule` (monitoring.coreos.com/v1), for {@link TracingMonitoring}. */
export const prometheusRuleCrd = once((): typeof import('../imports/prometheusrule-monitoring.coreos.com') => require('../imports/prometheusrule-monitoring.coreos.com'));
