import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { propError } from './_errors';
import { PART_OF } from './_labels';
import { chartDefaultsOwner, registerChartDefaults, validateAnnotations, validateImageRegistry, validateLabels, validateWorkloadOptions, workloadsBuiltIn } from './_workload';
import { NetworkPolicyOptions, validateNetworkPolicyOptions } from './network/network-policy-options';
import { WorkloadOptions } from './workload-options';

/** Props of {@link TracingDefaults}. */
export interface TracingDefaultsProps extends Omit<WorkloadOptions, 'image' | 'resources'> {
  /**
   * A registry (mirror) for every image the library deploys: `registry.internal:5000` turns
   * `jaegertracing/jaeger:2.13.0` into `registry.internal:5000/jaegertracing/jaeger:2.13.0`, keeping
   * the tag or digest. An optional path is kept too (`registry.internal:5000/mirror`). Images given
   * with a registry of their own (`ghcr.io/...`) are left alone; Docker Hub ones (`docker.io/...`
   * or no registry) are rewritten.
   * @default - images are pulled from where their references say (Docker Hub)
   */
  readonly imageRegistry?: string;
  /**
   * Labels put on every object and every pod template the library makes in this chart. An object's
   * own label of the same key wins.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Annotations put on every object and every pod template the library makes in this chart. An
   * object's own annotation of the same key wins.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
  /**
   * The chart's NetworkPolicies: one per workload the library makes, denying what the stack does
   * not need (see the README, "Network policies"); who may send spans, scrape metrics and reach the
   * UIs, where DNS, the Kubernetes API and external endpoints are, or `enabled: false`.
   * @default - policies on, span senders, Prometheus, the ingress controller and Grafana from every namespace
   */
  readonly networkPolicy?: NetworkPolicyOptions;
}

/**
 * Chart-wide defaults for every workload and object the library makes: a registry mirror, pull
 * Secrets, scheduling (node selector, tolerations, affinity, topology spread, priority class), pod
 * labels and annotations, and labels and annotations on every object. The Helm charts' `global`
 * block, as a construct: create it once per chart, before the components it applies to.
 *
 * ```ts
 * new TracingDefaults(chart, 'defaults', {
 *   imageRegistry: 'registry.internal:5000',
 *   imagePullSecrets: ['registry-credentials'],
 *   nodeSelector: { 'node-role.example.com/observability': 'true' },
 *   labels: { team: 'platform' },
 * });
 * new TracingStack(chart, 'tracing', { preset: TracingPreset.PRODUCTION, ... });
 * ```
 */
export class TracingDefaults extends Construct {
  /** The defaults of `scope`'s chart, if it has any. */
  public static of(scope: IConstruct): TracingDefaults | undefined {
    return chartDefaultsOwner(Chart.of(scope)) as TracingDefaults | undefined;
  }

  /** The validated settings. */
  public readonly props: TracingDefaultsProps;

  constructor(scope: Construct, id: string, props: TracingDefaultsProps = {}) {
    super(scope, id);
    const chart = Chart.of(this);
    const existing = chartDefaultsOwner(chart);
    if (existing) throw propError(this, 'TracingDefaults', this.node.path, `created once per chart: ${existing.node.path} already sets them`);
    const built = workloadsBuiltIn(chart);
    if (built.length > 0) {
      throw propError(this, 'TracingDefaults', this.node.path, `created before the components it applies to; already built: ${built.join(', ')}`);
    }
    if (props.imageRegistry !== undefined) validateImageRegistry(this, 'imageRegistry', props.imageRegistry);
    validateWorkloadOptions(this, '', props);
    validateLabels(this, 'labels', props.labels);
    validateAnnotations(this, 'annotations', props.annotations);
    validateNetworkPolicyOptions(this, 'networkPolicy', props.networkPolicy);
    this.props = props;
    registerChartDefaults(chart, this);

    const labels = props.labels ?? {};
    const annotations = props.annotations ?? {};
    if (Object.keys(labels).length || Object.keys(annotations).length) {
      // Objects are labelled when the chart is synthesized (validation runs first), so that every
      // object the library made, whenever it was made, is covered.
      this.node.addValidation({ validate: () => { this.labelObjects(chart, labels, annotations); return []; } });
    }
  }

  private labelObjects(chart: Chart, labels: Record<string, string>, annotations: Record<string, string>): void {
    for (const c of chart.node.findAll()) {
      if (!ApiObject.isApiObject(c) || c.metadata.getLabel('app.kubernetes.io/part-of') !== PART_OF) continue;
      for (const [k, v] of Object.entries(labels)) if (c.metadata.getLabel(k) === undefined) c.metadata.addLabel(k, v);
      const own: Record<string, string> = c.metadata.toJson().annotations ?? {};
      for (const [k, v] of Object.entries(annotations)) if (own[k] === undefined) c.metadata.addAnnotation(k, v);
    }
  }
}
