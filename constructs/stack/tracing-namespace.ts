import { JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { propError } from '../_errors';
import { chartNamespace } from '../_namespace';
import { PART_OF } from '../_labels';

/** Props of {@link TracingNamespace}. */
export interface TracingNamespaceProps {
  /**
   * Pod Security Standard level enforced in the namespace.
   * @default 'restricted'
   */
  readonly podSecurity?: 'restricted' | 'baseline' | 'privileged';
  /** Extra labels. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * The Namespace of the enclosing Chart, labelled to enforce a Pod Security Standard, so that
 * `kubectl apply -f dist/` works on an empty cluster.
 */
export class TracingNamespace extends Construct {
  /** The Namespace object. */
  public readonly resource: k8s.KubeNamespace;
  /** Its name (the Chart's namespace). */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: TracingNamespaceProps = {}) {
    super(scope, id);
    const namespace = chartNamespace(this);
    if (!namespace) {
      throw propError(this, 'namespace', namespace, 'set on the enclosing Chart (new Chart(app, id, { namespace: "tracing" })) so that every object has one');
    }
    const level = props.podSecurity ?? 'restricted';
    if (!['restricted', 'baseline', 'privileged'].includes(level)) {
      throw propError(this, 'podSecurity', level, 'one of "restricted", "baseline", "privileged"');
    }
    this.name = namespace;
    this.resource = new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: namespace,
        labels: {
          ...(props.labels ?? {}),
          'app.kubernetes.io/part-of': PART_OF,
          'app.kubernetes.io/managed-by': 'cdk8s',
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/enforce-version': 'latest',
        },
      },
    });
    // Namespaces are cluster-scoped: the chart's namespace does not apply to them.
    this.resource.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
}
