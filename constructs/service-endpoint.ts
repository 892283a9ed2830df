import { propError, requireDnsLabel, requireDnsSubdomain, requireInteger } from './_errors';

/** Where a ServiceEndpoint's errors come from: it is built by constructs and by hand alike. */
const SCOPE = 'ServiceEndpoint';

/** An `IANA_SVC_NAME`, what Kubernetes takes as a port name: 1-15 of a-z, 0-9 and '-', a letter among them, no '-' at either end or twice in a row. */
const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

/**
 * An address inside the cluster: a Service port, as other constructs need it to wire to a
 * component without hand-typed host names or port numbers. Checked when made, because its host
 * ends up in configuration files and datasource URLs.
 */
export class ServiceEndpoint {
  /**
   * @param serviceName name of the Service: a DNS label; without `namespace`, also a host name (DNS subdomain) outside the cluster
   * @param namespace namespace of the Service, a DNS label (undefined: the reader's own namespace)
   * @param port port number on the Service, 1 to 65535
   * @param portName name of the Service port (an IANA service name: at most 15 of a-z, 0-9 and '-')
   */
  constructor(
    public readonly serviceName: string,
    public readonly namespace: string | undefined,
    public readonly port: number,
    public readonly portName: string,
  ) {
    if (namespace === undefined) {
      requireDnsSubdomain(SCOPE, 'serviceName', serviceName);
    } else {
      requireDnsLabel(SCOPE, 'serviceName', serviceName);
      requireDnsLabel(SCOPE, 'namespace', namespace);
    }
    requireInteger(SCOPE, 'port', port, 1, 65535);
    if (typeof portName !== 'string' || !PORT_NAME.test(portName)) {
      throw propError(SCOPE, 'portName', portName, "an IANA service name: 1 to 15 lower-case letters, digits and '-', with a letter, no '-' at either end or twice in a row");
    }
  }

  /** Host name that resolves from any namespace: `<service>.<namespace>.svc`. */
  public get host(): string {
    return this.namespace ? `${this.serviceName}.${this.namespace}.svc` : this.serviceName;
  }

  /** `host:port`, for gRPC clients and exporters that take no scheme. */
  public get hostPort(): string {
    return `${this.host}:${this.port}`;
  }

  /** A URL for this endpoint, e.g. `url('http', '/v1/traces')`. */
  public url(scheme: 'http' | 'https' | 'grpc' = 'http', path = ''): string {
    return `${scheme}://${this.hostPort}${path}`;
  }
}
