import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { App, Chart } from 'cdk8s';
import { propError, requireDnsLabel, show } from '../_errors';
import { validationErrors } from '../synthesis';
import { isBuiltInGroup, ManifestObject, planDeployment, PlannedObject, RequiredCrd, apiGroup } from './_deployment-plan';
import { DeploymentPrerequisite, stackEndpoints } from './_stack-endpoints';

export type { DeploymentPrerequisite, PrerequisiteKind } from './_stack-endpoints';
export type { ManifestObject } from './_deployment-plan';

/**
 * The cdk8s charts a {@link TracingDeployment} deploys: an App (all its charts), one Chart, or a
 * function that builds either, given the namespace to deploy into.
 */
export type ChartSource = App | Chart | ((namespace: string | undefined) => App | Chart);

/** Arguments of a {@link TracingDeployment}. */
export interface TracingDeploymentArgs {
  /**
   * The charts to deploy, built from this library's constructs (and any other cdk8s objects): an
   * App, a Chart, or a function that builds one for a namespace. Every object that `cdk8s synth`
   * would write for them is registered, with the same names, labels and namespaces.
   */
  readonly charts: ChartSource;
  /**
   * Namespace to deploy into, passed to `charts` when it is a function. The charts' configuration
   * files name hosts in their own namespace, so objects are never moved afterwards: every
   * namespaced object of the charts must be in this namespace, or the deployment is refused.
   * @default - the charts' own namespaces
   */
  readonly namespace?: string;
  /**
   * Do not wait for objects to become ready (annotation `pulumi.com/skipAwait` on every object,
   * added to what Pulumi sends only). Waiting is what a real cluster should do; skip it for a
   * cluster without controllers, or to return before rollouts finish.
   * @default false
   */
  readonly skipAwait?: boolean;
  /**
   * Deploy custom resources even when the target cluster does not serve their
   * CustomResourceDefinition (the operator is installed later, or in the same `pulumi up` by
   * other resources that the deployment `dependsOn`). Without it, each such CRD is read from the
   * cluster first, every object waits for the reads, and a missing CRD fails the deployment
   * before any object of it is created.
   * @default false
   */
  readonly allowMissingCrds?: boolean;
}

/** A Pulumi resource of one synthesized object. */
export interface DeployedObject {
  /** The object as synthesized (what `cdk8s synth` writes). */
  readonly object: ManifestObject;
  /** The Pulumi resource that deploys it. */
  readonly resource: pulumi.CustomResource;
}

/** The Pulumi type token of {@link TracingDeployment}. */
export const TRACING_DEPLOYMENT_TYPE = 'cdk8s-tracing:index:TracingDeployment';

/**
 * Deploys cdk8s charts built from this library through Pulumi: every object that `cdk8s synth`
 * writes becomes a Pulumi Kubernetes resource (a child of this component), with the same names,
 * labels and namespaces, so that a stack can move between `kubectl apply -f dist/` and Pulumi
 * without renaming anything.
 *
 * Order: Namespaces first; a custom resource after its CRD (in the charts, else read from the
 * cluster: see `allowMissingCrds`); workloads after the ConfigMaps, Secrets, ServiceAccounts and
 * claims they use; bindings after their Role; an Ingress after its Services; an autoscaler after
 * its target. Resource options (`provider`, `providers`, `transforms`, `protect`, ...) apply to
 * every object.
 */
export class TracingDeployment extends pulumi.ComponentResource {
  /** The namespace of the deployment: `namespace`, else that of the first chart (undefined if it has none). */
  public readonly namespace: pulumi.Output<string | undefined>;
  /** Every namespace that objects are deployed into. */
  public readonly namespaces: pulumi.Output<string[]>;
  /** The trace UI: the ingress URL when there is one, else the in-cluster URL of the Jaeger UI. */
  public readonly uiUrl: pulumi.Output<string | undefined>;
  /** Where applications send OTLP over gRPC (`http://<host>:4317`): the front of the span path. */
  public readonly otlpGrpcEndpoint: pulumi.Output<string | undefined>;
  /** Where applications send OTLP over HTTP (`http://<host>:4318`): the front of the span path. */
  public readonly otlpHttpEndpoint: pulumi.Output<string | undefined>;
  /** Tempo's query API (`http://<host>:3200`), for Grafana; undefined without Tempo. */
  public readonly tempoQueryEndpoint: pulumi.Output<string | undefined>;
  /** The Secrets, ConfigMaps and external endpoints to create or provide before deploying. */
  public readonly prerequisites: pulumi.Output<DeploymentPrerequisite[]>;
  /** The deployed objects, in deployment order. */
  public readonly objects: readonly DeployedObject[];

  constructor(name: string, args: TracingDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TRACING_DEPLOYMENT_TYPE, name, {}, opts);
    const scope = `TracingDeployment '${name}'`;
    if (args.namespace !== undefined) requireDnsLabel(scope, 'namespace', args.namespace);

    const charts = chartsOf(scope, args.charts, args.namespace);
    const objects = synthesize(scope, charts);
    if (args.namespace !== undefined) {
      const elsewhere = objects.filter(o => o.metadata.namespace !== undefined && o.metadata.namespace !== args.namespace);
      if (elsewhere.length > 0) {
        const list = elsewhere.slice(0, 5).map(o => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).join(', ');
        throw propError(scope, 'namespace', args.namespace,
          `the namespace of every namespaced object of the charts (build them for it: pass a function as 'charts'); ${elsewhere.length} are elsewhere: ${list}`);
      }
    }

    const plan = planDeployment(objects);
    // Every object waits for the CRD reads: a cluster without an operator gets nothing, not half a stack.
    const crdReads = args.allowMissingCrds ? [] : this.readRequiredCrds(name, plan);
    const resources = new Map<string, pulumi.CustomResource>();
    const deployed: DeployedObject[] = [];
    for (const planned of plan) {
      const dependsOn = [...crdReads, ...planned.dependsOn.map(key => resources.get(key)!)];
      const resource = register(scope, childName(name, planned.object), withPulumiAnnotations(planned.object, args.skipAwait === true),
        { parent: this, ...(dependsOn.length > 0 ? { dependsOn } : {}) });
      resources.set(planned.key, resource);
      deployed.push({ object: planned.object, resource });
    }
    this.objects = deployed;

    const endpoints = stackEndpoints(charts);
    const namespaces = [...new Set(objects.flatMap(o => (o.metadata.namespace ? [o.metadata.namespace] : [])))];
    // The outputs resolve once every object is deployed: an endpoint is there to be used.
    const all = pulumi.all(deployed.map(d => d.resource.urn));
    const after = <T>(value: T): pulumi.Output<T> => all.apply(() => value);
    this.namespace = after(args.namespace ?? charts[0]?.namespace);
    this.namespaces = after(namespaces);
    this.uiUrl = after(endpoints.uiUrl);
    this.otlpGrpcEndpoint = after(endpoints.otlpGrpcEndpoint);
    this.otlpHttpEndpoint = after(endpoints.otlpHttpEndpoint);
    this.tempoQueryEndpoint = after(endpoints.tempoQueryEndpoint);
    this.prerequisites = pulumi.output(endpoints.prerequisites);
    this.registerOutputs({
      namespace: this.namespace,
      namespaces: this.namespaces,
      uiUrl: this.uiUrl,
      otlpGrpcEndpoint: this.otlpGrpcEndpoint,
      otlpHttpEndpoint: this.otlpHttpEndpoint,
      tempoQueryEndpoint: this.tempoQueryEndpoint,
      prerequisites: this.prerequisites,
    });
  }

  /**
   * Reads, from the target cluster, each CRD that a custom resource of the plan needs and the plan
   * does not create: a missing one fails its read, and the deployment with it. The read
   * resource's name says what is missing and who provides it.
   */
  private readRequiredCrds(name: string, plan: readonly PlannedObject[]): pulumi.Resource[] {
    const required = new Map<string, RequiredCrd>();
    for (const p of plan) if (p.requiresCrd) required.set(p.requiresCrd.name, p.requiresCrd);
    return [...required.values()].map(crd => k8s.apiextensions.v1.CustomResourceDefinition.get(
      `${name}: the cluster must serve CRD ${crd.name}: install ${crd.providedBy} first, or set allowMissingCrds`,
      crd.name, { parent: this }));
  }
}

/** The charts of `source`, built for `namespace` when it is a function. */
function chartsOf(scope: string, source: ChartSource, namespace: string | undefined): Chart[] {
  const built = typeof source === 'function' ? source(namespace) : source;
  if (Chart.isChart(built)) return [built];
  if (built instanceof App || (built && typeof (built as App).synthYaml === 'function' && Array.isArray((built as App).charts))) {
    const charts = (built as App).charts;
    if (charts.length === 0) throw new Error(`${scope}: 'charts' must be an App with at least one Chart, or a Chart, got an App without charts`);
    return charts;
  }
  const got = typeof source === 'function' ? `a function that returned ${show(built)}` : show(built);
  throw new Error(`${scope}: 'charts' must be a cdk8s App or Chart, or a function that returns one, got ${got}`);
}

/**
 * Every object of `charts` as `cdk8s synth` writes it (validation of the whole app first; all
 * errors reported at once, and nothing registered).
 */
function synthesize(scope: string, charts: readonly Chart[]): ManifestObject[] {
  const root = charts[0].node.root;
  const errors = validationErrors(root);
  if (errors.length > 0) {
    throw new Error(`${scope}: the charts do not validate, ${errors.length} error(s):\n${errors.map(e => `  ${e}`).join('\n')}`);
  }
  return charts.flatMap(chart => chart.toJson() as ManifestObject[]);
}

/** The Pulumi name of an object's resource: unique per kind within the deployment. */
function childName(name: string, o: ManifestObject): string {
  return o.metadata.namespace ? `${name}:${o.metadata.namespace}/${o.metadata.name}` : `${name}:${o.metadata.name}`;
}

/**
 * The object as sent to Pulumi: a plain JSON copy (sent as `chart.toJson()` returns it, nested
 * arrays of an OpenTelemetryCollector's configuration reached Pulumi's mocks as objects with
 * numeric keys), with `pulumi.com/skipAwait` when asked.
 */
function withPulumiAnnotations(o: ManifestObject, skipAwait: boolean): ManifestObject {
  const copy = JSON.parse(JSON.stringify(o)) as ManifestObject & { metadata: { annotations?: Record<string, string> } };
  if (skipAwait) copy.metadata.annotations = { ...copy.metadata.annotations, 'pulumi.com/skipAwait': 'true' };
  return copy;
}

/** The @pulumi/kubernetes module of a built-in API group (`apps`, `networking` for `networking.k8s.io`, `core` for the core group). */
function moduleOf(apiVersion: string): string {
  const group = apiGroup(apiVersion);
  return group === '' ? 'core' : group.split('.')[0];
}

/**
 * Registers one object: built-in kinds through their @pulumi/kubernetes class (its type token,
 * aliases and secret outputs), custom resources as `apiextensions.CustomResource`.
 */
function register(scope: string, name: string, o: ManifestObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  if (!isBuiltInGroup(o.apiVersion)) {
    return new k8s.apiextensions.CustomResource(name, o as unknown as k8s.apiextensions.CustomResourceArgs, opts);
  }
  const version = o.apiVersion.includes('/') ? o.apiVersion.slice(o.apiVersion.indexOf('/') + 1) : o.apiVersion;
  const Resource = (k8s as unknown as Record<string, Record<string, Record<string, unknown>> | undefined>)[moduleOf(o.apiVersion)]?.[version]?.[o.kind];
  if (typeof Resource !== 'function') {
    throw new Error(`${scope}: @pulumi/kubernetes has no resource for ${o.kind} (${o.apiVersion}), object '${o.metadata.name}'`);
  }
  return new (Resource as new (n: string, a: unknown, op: pulumi.CustomResourceOptions) => pulumi.CustomResource)(name, o, opts);
}
