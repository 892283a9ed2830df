import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { TracingIngress } from '../ingress/tracing-ingress';
import { JaegerAllInOne } from '../jaeger/jaeger-all-in-one';
import { JaegerCollector } from '../jaeger/jaeger-collector';
import { JaegerOperatorInstance } from '../jaeger/jaeger-operator-instance';
import { SpanProtocol } from '../jaeger/jaeger-ports';
import { JaegerQuery } from '../jaeger/jaeger-query';
import { OtelCollectorOperatorInstance } from '../otel/collector-operator-instance';
import { CollectorMode, OtelCollector } from '../otel/otel-collector';
import { TailSamplingGateway } from '../otel/tail-sampling-gateway';
import { Prerequisites } from '../prerequisites';
import { ServiceEndpoint } from '../service-endpoint';
import { TempoBase } from '../tempo/_tempo-base';

/** Something that receives spans. */
interface SpanReceiver extends IConstruct {
  spanEndpoint(protocol?: SpanProtocol): ServiceEndpoint;
}

/** What a prerequisite is. */
export type PrerequisiteKind = 'Secret' | 'ConfigMap' | 'Endpoint';

/** Something a deployment needs that it does not create. */
export interface DeploymentPrerequisite {
  /** A Secret or ConfigMap the user creates first, or an endpoint outside the deployment. */
  readonly kind: PrerequisiteKind;
  /** Name of the Secret or ConfigMap, or `host:port` of the endpoint. */
  readonly name: string;
  /** Namespace of the Secret or ConfigMap (undefined for an endpoint). */
  readonly namespace?: string;
  /** Why it is needed. */
  readonly purpose: string;
}

/** Where users reach what the charts deploy. */
export interface StackEndpoints {
  readonly uiUrl?: string;
  readonly otlpGrpcEndpoint?: string;
  readonly otlpHttpEndpoint?: string;
  readonly tempoQueryEndpoint?: string;
  readonly prerequisites: DeploymentPrerequisite[];
}

/**
 * The front of the span path, in the order applications should prefer it: a node agent, then a
 * tail-sampling gateway (its load-balancing tier), a collector gateway, Jaeger, Tempo. The tiers
 * of a tail-sampling gateway are never the entry (spans must reach the load-balancing tier).
 */
const ENTRY_ORDER: Array<(c: IConstruct) => boolean> = [
  c => c instanceof OtelCollector && c.mode === CollectorMode.AGENT,
  c => c instanceof TailSamplingGateway,
  c => (c instanceof OtelCollector && !(c.node.scope instanceof TailSamplingGateway)) || c instanceof OtelCollectorOperatorInstance,
  c => c instanceof JaegerCollector || c instanceof JaegerAllInOne || c instanceof JaegerOperatorInstance,
  c => c instanceof TempoBase,
];

/** A URL for `receiver`'s `protocol`, or undefined when it does not accept that protocol. */
function spanUrl(receiver: SpanReceiver, protocol: SpanProtocol): string | undefined {
  try {
    return receiver.spanEndpoint(protocol).url('http');
  } catch {
    return undefined;
  }
}

/** The endpoints and prerequisites of `charts`, found in their constructs. */
export function stackEndpoints(charts: readonly Chart[]): StackEndpoints {
  const all = charts.flatMap(chart => chart.node.findAll().filter(c => Chart.of(c) === chart));
  const first = <T extends IConstruct>(test: (c: IConstruct) => c is T): T | undefined => all.find(test);

  const ingress = first((c): c is TracingIngress => c instanceof TracingIngress);
  const ui = first((c): c is JaegerQuery | JaegerAllInOne => c instanceof JaegerQuery || c instanceof JaegerAllInOne);
  const uiUrl = ingress?.uiUrl ?? ui?.uiEndpoint.url('http', '/');

  let entry: SpanReceiver | undefined;
  for (const test of ENTRY_ORDER) {
    entry = all.find(test) as SpanReceiver | undefined;
    if (entry) break;
  }
  const tempo = first((c): c is TempoBase => c instanceof TempoBase);

  const prerequisites = charts.flatMap(chart => {
    const p = Prerequisites.of(chart);
    return [
      ...p.secrets.map(s => ({ kind: 'Secret' as const, name: s.name, ...(chart.namespace ? { namespace: chart.namespace } : {}), purpose: s.purpose })),
      ...p.configMaps.map(s => ({ kind: 'ConfigMap' as const, name: s.name, ...(chart.namespace ? { namespace: chart.namespace } : {}), purpose: s.purpose })),
      ...p.endpoints.map(e => ({ kind: 'Endpoint' as const, name: e.name, purpose: e.purpose })),
    ];
  });

  return {
    ...(uiUrl ? { uiUrl } : {}),
    ...(entry ? { otlpGrpcEndpoint: spanUrl(entry, SpanProtocol.OTLP_GRPC), otlpHttpEndpoint: spanUrl(entry, SpanProtocol.OTLP_HTTP) } : {}),
    ...(tempo ? { tempoQueryEndpoint: tempo.queryEndpoint.url('http') } : {}),
    prerequisites,
  };
}
