import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import type {
  Instrumentation,
  InstrumentationSpecEnv,
  InstrumentationSpecPropagators,
  InstrumentationSpecSampler,
  InstrumentationSpecSamplerType,
} from '../../imports/otelinstrumentation-opentelemetry.io';
import { otelInstrumentationCrd } from '../_crds';
import { isPlusWorkload } from '../_cdk8s-values';
import { propError, requireDnsSubdomain } from '../_errors';
import { chartNamespace } from '../_namespace';
import { standardLabels } from '../_labels';
import { podTemplatePointer, valueAt } from './_pod-template';
import { InstrumentableWorkload, WorkloadInstrumentationOptions, sdkEnv } from './workload-instrumentation';

/** A language the OpenTelemetry Operator injects an auto-instrumentation agent for. */
export enum InstrumentationLanguage {
  JAVA = 'java',
  NODEJS = 'nodejs',
  PYTHON = 'python',
  DOTNET = 'dotnet',
  GO = 'go',
}

/** Props of {@link OperatorInstrumentation}. */
export interface OperatorInstrumentationProps extends Omit<WorkloadInstrumentationOptions, 'serviceName' | 'containers'> {
  /**
   * Name of the `Instrumentation` resource (what workloads' annotations name).
   * @default 'tracing'
   */
  readonly name?: string;
}

/** The `OTEL_*` variables the CR's typed fields carry; the rest go to `spec.env`. */
const TYPED = new Set(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_PROPAGATORS', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES']);

/**
 * The same SDK wiring as {@link instrumentWorkload}, as an OpenTelemetry Operator `Instrumentation`
 * (opentelemetry.io/v1alpha1): the operator injects the language's agent and these settings into every
 * pod annotated `instrumentation.opentelemetry.io/inject-<language>` (see {@link OperatorInstrumentation.inject}).
 *
 * The CRD's sampler enum has no `parentbased_jaeger_remote`; that sampler (and any other the enum lacks)
 * is rendered through `spec.env` instead, which the operator passes to the SDK unchanged.
 */
export class OperatorInstrumentation extends Construct {
  /** The custom resource. */
  public readonly resource: Instrumentation;
  /** Its name. */
  public readonly name: string;
  private readonly namespace?: string;

  constructor(scope: Construct, id: string, props: OperatorInstrumentationProps) {
    super(scope, id);
    const name = props.name ?? 'tracing';
    requireDnsSubdomain(this, 'name', name);
    this.name = name;
    this.namespace = chartNamespace(this);
    // The operator sets service name and Kubernetes attributes itself; the sampler goes typed when it can.
    const env = sdkEnv(this, 'unused', props);
    const get = (n: string) => env.find(v => v.name === n)?.value;
    const samplerName = get('OTEL_TRACES_SAMPLER')!;
    const samplerArg = get('OTEL_TRACES_SAMPLER_ARG');
    const crd = otelInstrumentationCrd();
    const typedSampler = (Object.values(crd.InstrumentationSpecSamplerType) as string[]).includes(samplerName);
    const sampler: InstrumentationSpecSampler | undefined = typedSampler
      ? { type: samplerName as InstrumentationSpecSamplerType, ...(samplerArg !== undefined ? { argument: samplerArg } : {}) }
      : undefined;
    const specEnv: InstrumentationSpecEnv[] = env
      .filter(v => !TYPED.has(v.name) && !v.name.startsWith('OTEL_RESOURCE_ATTRIBUTES_'))
      .filter(v => !(typedSampler && (v.name === 'OTEL_TRACES_SAMPLER' || v.name === 'OTEL_TRACES_SAMPLER_ARG')))
      .map(v => ({ name: v.name, value: v.value }));

    this.resource = new crd.Instrumentation(this, 'Resource', {
      metadata: { name, labels: standardLabels({ name: 'opentelemetry-instrumentation', instance: name, component: 'instrumentation' }) },
      spec: {
        exporter: { endpoint: get('OTEL_EXPORTER_OTLP_ENDPOINT') },
        propagators: get('OTEL_PROPAGATORS')!.split(',') as InstrumentationSpecPropagators[],
        ...(sampler ? { sampler } : {}),
        resource: {
          addK8SUidAttributes: true,
          ...(props.resourceAttributes && Object.keys(props.resourceAttributes).length ? { resourceAttributes: { ...props.resourceAttributes } } : {}),
        },
        env: specEnv,
      },
    });
  }

  /**
   * Annotates a workload's pod template so that the operator injects `language`'s agent configured by
   * this resource (`instrumentation.opentelemetry.io/inject-<language>: <namespace>/<name>`).
   */
  public inject(workload: InstrumentableWorkload, language: InstrumentationLanguage): void {
    if (!Object.values(InstrumentationLanguage).includes(language)) {
      throw propError(this, 'language', language, `one of ${Object.values(InstrumentationLanguage).join(', ')}`);
    }
    const key = `instrumentation.opentelemetry.io/inject-${language}`;
    const value = this.namespace ? `${this.namespace}/${this.name}` : this.name;
    if (isPlusWorkload(workload)) {
      workload.podMetadata.addAnnotation(key, value);
      return;
    }
    if (!ApiObject.isApiObject(workload)) throw propError(this, 'workload', String(workload), 'a cdk8s-plus workload or a raw Kubernetes workload object');
    const base = `${podTemplatePointer(workload)}/metadata`;
    const meta = valueAt<{ annotations?: Record<string, string> }>(workload, base);
    if (!meta) {
      workload.addJsonPatch(JsonPatch.add(base, { annotations: { [key]: value } }));
    } else if (!meta.annotations) {
      workload.addJsonPatch(JsonPatch.add(`${base}/annotations`, { [key]: value }));
    } else {
      workload.addJsonPatch(JsonPatch.add(`${base}/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, value));
    }
  }
}
