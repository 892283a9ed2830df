import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { propError, requireDnsSubdomain } from '../_errors';
import { chartNamespace } from '../_namespace';
import { standardLabels } from '../_labels';
import { SpanProtocol } from '../jaeger/jaeger-ports';
import { requireEntryTier } from '../otel/_entry-tier';
import { Prerequisites } from '../prerequisites';
import { ServiceEndpoint } from '../service-endpoint';

/** Something that serves a trace UI or query API: {@link JaegerQuery}, {@link JaegerAllInOne}, a Tempo. */
export interface ITraceUi {
  /** The application, for the `app.kubernetes.io/name` label (`jaeger`, `tempo`). */
  readonly appName: string;
  /** The Service port of the UI. */
  readonly uiEndpoint: ServiceEndpoint;
  /** The path prefix the UI is served under. */
  readonly basePath: string;
}

/** Something that receives spans: {@link JaegerCollector} or {@link JaegerAllInOne}. */
export interface ISpanReceiver {
  /** The Service port for a protocol. */
  spanEndpoint(protocol: SpanProtocol): ServiceEndpoint;
  /**
   * A header the receiver refuses spans without (`X-Scope-OrgID` for a multitenant Tempo); whoever
   * exports to it must set it.
   */
  readonly tenantHeader?: string;
  /**
   * The receiver is a tail-sampling tier whose instances sit behind a load balancer by trace id (the
   * sampling tier of a {@link TailSamplingGateway}): spans must go through that load balancer, and
   * exporting to the tier directly is an error.
   */
  readonly loadBalancedByTraceId?: boolean;
  /**
   * OTLP gRPC on a headless Service of the receiver's replicas, when it runs several: gRPC
   * exporters balance over every replica through it (`dns:///`, round-robin) instead of holding
   * one connection to one pod through the ClusterIP Service.
   */
  readonly grpcReplicasEndpoint?: ServiceEndpoint;
}

/** Exposing the OTLP/HTTP receiver to clients outside the cluster. */
export interface OtlpIngressOptions {
  /** The receiver. */
  readonly receiver: ISpanReceiver;
  /**
   * Host name for OTLP, when it differs from the UI's.
   * @default - the UI's host, path `/v1/traces`
   */
  readonly host?: string;
}

/** Props of {@link TracingIngress}. */
export interface TracingIngressProps {
  /** Host name of the UI, e.g. `jaeger.example.com`. */
  readonly host: string;
  /** The UI to expose; its base path is the ingress path. */
  readonly ui: ITraceUi;
  /**
   * Also expose OTLP over HTTP (`/v1/traces`), for clients outside the cluster.
   * @default - not exposed
   */
  readonly otlp?: OtlpIngressOptions;
  /**
   * IngressClass, e.g. `nginx`.
   * @default - the cluster's default IngressClass
   */
  readonly ingressClassName?: string;
  /**
   * Secret of type `kubernetes.io/tls` with the certificate for the host(s), created by the user
   * or by cert-manager (see `annotations`).
   * @default - no TLS
   */
  readonly tlsSecretName?: string;
  /**
   * Annotations, e.g. `cert-manager.io/cluster-issuer` or controller-specific settings.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
  /**
   * Name of the Ingress object.
   * @default - the UI Service's name
   */
  readonly name?: string;
}

const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/**
 * An Ingress for the trace UI and, optionally, the OTLP/HTTP receiver, with TLS and class
 * options. Paths and Service ports come from the constructs it is given.
 */
export class TracingIngress extends Construct {
  /** The Ingress. */
  public readonly ingress: k8s.KubeIngress;
  /** Public URL of the UI. */
  public readonly uiUrl: string;
  /** Public URL of the OTLP/HTTP traces endpoint, when exposed. */
  public readonly otlpUrl?: string;

  constructor(scope: Construct, id: string, props: TracingIngressProps) {
    super(scope, id);
    const checkHost = (field: string, host: string) => {
      if (typeof host !== 'string' || host.length > 253 || !HOST.test(host)) {
        throw propError(this, field, host, 'a fully qualified lower-case host name such as "jaeger.example.com" (optionally starting with "*.")');
      }
    };
    checkHost('host', props.host);
    if (props.otlp?.host !== undefined) checkHost('otlp.host', props.otlp.host);
    if (props.ingressClassName !== undefined) requireDnsSubdomain(this, 'ingressClassName', props.ingressClassName);
    if (props.name !== undefined) requireDnsSubdomain(this, 'name', props.name);
    if (props.tlsSecretName !== undefined) {
      requireDnsSubdomain(this, 'tlsSecretName', props.tlsSecretName);
      Prerequisites.of(this).addSecret(props.tlsSecretName, `TLS certificate (kubernetes.io/tls) for ${[props.host, props.otlp?.host].filter(Boolean).join(', ')}`);
    }
    const namespace = chartNamespace(this);
    const sameNamespace = (field: string, e: ServiceEndpoint) => {
      if (e.namespace !== namespace) {
        throw propError(this, field, `${e.serviceName} in namespace ${e.namespace ?? '<none>'}`, `a Service in this Ingress's namespace (${namespace ?? '<none>'}): an Ingress only routes to its own namespace`);
      }
    };
    const ui = props.ui.uiEndpoint;
    sameNamespace('ui', ui);
    const backend = (e: ServiceEndpoint): k8s.IngressBackend => ({ service: { name: e.serviceName, port: { name: e.portName } } });

    const uiPath = props.ui.basePath;
    const rules = new Map<string, k8s.HttpIngressPath[]>();
    const addPath = (host: string, path: k8s.HttpIngressPath) => rules.set(host, [...(rules.get(host) ?? []), path]);
    addPath(props.host, { path: uiPath, pathType: 'Prefix', backend: backend(ui) });
    const scheme = props.tlsSecretName ? 'https' : 'http';
    this.uiUrl = `${scheme}://${props.host}${uiPath === '/' ? '/' : uiPath}`;

    if (props.otlp) {
      requireEntryTier(this, 'otlp.receiver', props.otlp.receiver);
      const otlp = props.otlp.receiver.spanEndpoint(SpanProtocol.OTLP_HTTP);
      sameNamespace('otlp.receiver', otlp);
      const host = props.otlp.host ?? props.host;
      if (host === props.host && uiPath === '/v1/traces') {
        throw propError(this, 'ui.basePath', uiPath, 'another path than /v1/traces, which OTLP uses on the same host');
      }
      addPath(host, { path: '/v1/traces', pathType: 'Exact', backend: backend(otlp) });
      this.otlpUrl = `${scheme}://${host}/v1/traces`;
    }

    const name = props.name ?? ui.serviceName;
    this.ingress = new k8s.KubeIngress(this, 'Resource', {
      metadata: {
        name,
        labels: standardLabels({ name: props.ui.appName, instance: ui.serviceName, component: 'ingress' }),
        ...(props.annotations ? { annotations: props.annotations } : {}),
      },
      spec: {
        ...(props.ingressClassName ? { ingressClassName: props.ingressClassName } : {}),
        ...(props.tlsSecretName ? { tls: [{ hosts: [...rules.keys()], secretName: props.tlsSecretName }] } : {}),
        rules: [...rules.entries()].map(([host, paths]) => ({ host, http: { paths } })),
      },
    });
  }
}
