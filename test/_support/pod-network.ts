/**
 * A stand-in for the pod network, so that a program on this machine can dial pod IPs.
 *
 * Tests cannot simply use loopback addresses as pod IPs: the API server refuses them in an
 * EndpointSlice (`may not be in the loopback range (127.0.0.0/8, ::1/128)`), and other addresses
 * are not local without changing the host's network (root, `ip addr add`). Instead the program is
 * started with `HTTPS_PROXY` pointing at this HTTP CONNECT proxy (see {@link PodNetwork.proxyEnv}),
 * which connects each `<pod IP>:<port>` it is asked for to the loopback `host:port` routed to it.
 * Go's gRPC client (grpc-go, which the collector's OTLP exporters use; 1.76 in otelcol 0.140.1)
 * sends each dial through `HTTPS_PROXY` as a CONNECT to the unresolved `host:port`; Go's proxy
 * selection never proxies loopback destinations, so the program's other connections (to the API
 * server on 127.0.0.1, to other components on loopback) stay direct.
 *
 * Every CONNECT is recorded (`dialled`), so a test can tell exactly which addresses a program
 * chose; one to an address with no route is refused with 502 and recorded too.
 */
import { createServer, IncomingMessage, Server } from 'http';
import { connect, Socket } from 'net';
import { Duplex } from 'stream';

/** An HTTP CONNECT proxy that routes pod `ip:port`s to loopback `host:port`s. */
export class PodNetwork {
  /** Starts the proxy on a free port of 127.0.0.1. `routes`: pod `ip:port` -> loopback `host:port`. */
  public static async start(routes: Record<string, string>): Promise<PodNetwork> {
    const network = new PodNetwork(routes);
    await new Promise<void>((resolve, reject) => {
      network.server.once('error', reject);
      network.server.listen(0, '127.0.0.1', () => resolve());
    });
    return network;
  }

  /** Every `ip:port` asked for, in order, routed or not. */
  public readonly dialled: string[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Duplex>();

  private constructor(private readonly routes: Record<string, string>) {
    this.server = createServer((_req, res) => res.writeHead(405).end('only CONNECT\n'));
    this.server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => this.tunnel(req.url ?? '', client, head));
  }

  /** The proxy's port on 127.0.0.1. */
  public get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** The environment that sends a Go program's non-loopback dials through this proxy (nothing exempt). */
  public get proxyEnv(): NodeJS.ProcessEnv {
    const url = `http://127.0.0.1:${this.port}`;
    return { HTTPS_PROXY: url, https_proxy: url, HTTP_PROXY: url, http_proxy: url, NO_PROXY: '', no_proxy: '' };
  }

  /** Stops accepting, closes every tunnel. */
  public async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }

  private tunnel(target: string, client: Duplex, head: Buffer): void {
    this.dialled.push(target);
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    const to = this.routes[target];
    if (to === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const colon = to.lastIndexOf(':');
    const upstream: Socket = connect(Number(to.slice(colon + 1)), to.slice(0, colon));
    this.sockets.add(upstream);
    upstream.on('close', () => { this.sockets.delete(upstream); client.destroy(); });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
  }
}
