/**
 * An address inside the cluster: a Service port, as other constructs need it to wire to a
 * component without hand-typed host names or port numbers.
 */
export class ServiceEndpoint {
  /**
   * @param serviceName name of the Service
   * @param namespace namespace of the Service (undefined: the reader's own namespace)
   * @param port port number on the Service
   * @param portName name of the Service port
   */
  constructor(
    public readonly serviceName: string,
    public readonly namespace: string | undefined,
    public readonly port: number,
    public readonly portName: string,
  ) {}

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
