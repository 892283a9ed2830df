// `pulumi up` in this folder deploys the production tracing stack to the cluster of the current
// kubeconfig context (install the Strimzi operator first, and create the Secrets listed in the
// `prerequisites` output: `pulumi preview` shows them).
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { productionTracing } from './production';

// The cluster of the ambient kubeconfig. ConfigMaps are updated in place, as `kubectl apply`
// does (the provider's default replaces a changed ConfigMap: its name is fixed, so it would be
// deleted and created again); the pod templates' config checksums roll the pods either way.
const provider = new k8s.Provider('cluster', { enableConfigMapMutable: true });

const config = new pulumi.Config();
const tracing = productionTracing('tracing', {
  namespace: config.get('namespace'),
  elasticsearchUrl: config.get('elasticsearchUrl'),
  uiHost: config.get('uiHost'),
  samplingRatio: config.getNumber('samplingRatio'),
  skipAwait: config.getBoolean('skipAwait'),
}, { provider });

export const namespace = tracing.namespace;
export const uiUrl = tracing.uiUrl;
export const otlpGrpcEndpoint = tracing.otlpGrpcEndpoint;
export const otlpHttpEndpoint = tracing.otlpHttpEndpoint;
export const prerequisites = tracing.prerequisites;
