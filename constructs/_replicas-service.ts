import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ServiceEndpoint } from './service-endpoint';

/** The OTLP gRPC port of a receiver. */
export interface GrpcPort {
  readonly name: string;
  readonly port: number;
}

/**
 * A headless Service (no cluster IP: DNS answers every ready pod's address) of a span receiver that
 * runs several replicas, with its OTLP gRPC port only, named `<service>-headless`. gRPC exporters
 * reach the receiver through it (`dns:///<host>:<port>`, round-robin), so that each sender
 * spreads its spans over every replica: through the ClusterIP Service a sender holds one HTTP/2
 * connection to one pod, and with fewer senders than replicas some replicas get nothing.
 */
export function replicasService(scope: Construct, serviceName: string, labels: Record<string, string>, selector: Record<string, string>, port: GrpcPort): k8s.KubeService {
  return new k8s.KubeService(scope, 'Headless', {
    metadata: { name: `${serviceName}-headless`, labels },
    spec: {
      clusterIp: 'None',
      selector,
      ports: [{ name: port.name, port: port.port, targetPort: k8s.IntOrString.fromString(port.name), protocol: 'TCP', appProtocol: 'grpc' }],
    },
  });
}

/** The endpoint of a Service made by {@link replicasService}. */
export function replicasEndpoint(service: k8s.KubeService, namespace: string | undefined, port: GrpcPort): ServiceEndpoint {
  return new ServiceEndpoint(service.name, namespace, port.port, port.name);
}
