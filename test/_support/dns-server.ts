/**
 * A tiny authoritative DNS server on loopback for tests of clients that resolve one name to
 * several addresses: a gRPC client with the target `dns://127.0.0.1:<port>/<name>:4317` (the
 * OpenTelemetry Collector's `round_robin` balancer) then connects to every address of `<name>`,
 * for instance 127.0.0.1 and 127.0.0.2, the way it would to the pods behind a headless Service.
 *
 * ```ts
 * const dns = await DnsServer.start({ 'sampling.tracing.svc': ['127.0.0.1', '127.0.0.2'] });
 * // endpoint: `dns://${dns.address}/sampling.tracing.svc:4317`
 * dns.setRecords({ 'sampling.tracing.svc': ['127.0.0.1', '127.0.0.2', '127.0.0.3'] }); // a new replica
 * await dns.stop();
 * ```
 *
 * It listens on 127.0.0.1, UDP and TCP on the same free port (Go's resolver uses either, and falls
 * back to TCP on a truncated answer; TCP messages carry a 2-byte length prefix, RFC 1035 4.2.2).
 * What it answers, always with QR and AA set, the query's ID and RD copied and its question echoed:
 * - a name of `records` (any case, with or without a trailing dot), type A: one A record per
 *   address, TTL 1 s; any other type (AAAA, TXT, SRV, ...): NOERROR without answers (NODATA);
 * - any other name: NXDOMAIN;
 * - over UDP, an answer longer than 512 bytes: the header and question alone with TC set, so the
 *   client asks again over TCP. The query's EDNS0 OPT record (Go sends one) is ignored, so the
 *   classic 512-byte limit applies and no OPT record is sent back;
 * - a query it cannot read: FORMERR; an opcode other than QUERY: NOTIMP.
 * Only one question per query; no recursion, no other record types, no zone transfers.
 */
import { createSocket, Socket as UdpSocket } from 'dgram';
import { isIPv4, createServer, Server, Socket } from 'net';
import { freePort } from './programs';

/** A question the server was asked. */
export interface DnsQuery {
  /** The name asked for, lower-case, without a trailing dot. */
  readonly name: string;
  /** QTYPE: 1 A, 28 AAAA, 16 TXT, 33 SRV, ... */
  readonly type: number;
}

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_FORMERR = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;
/** The largest UDP answer without EDNS0 (RFC 1035 2.3.4). */
const UDP_LIMIT = 512;

/** A running DNS server; see the file header for what it answers. */
export class DnsServer {
  /**
   * Starts it on a free port of 127.0.0.1 with `records` (name -> IPv4 addresses), or on `at`: a
   * given loopback address and port, e.g. port 53 (which needs root), for clients that cannot
   * name a port (the collector's OTLP exporter accepts `dns://<host>/<name>:<port>` only).
   */
  public static async start(records: Record<string, string[]>, at?: { readonly host: string; readonly port: number }): Promise<DnsServer> {
    if (at) {
      const server = new DnsServer(at.port, records, at.host);
      try {
        await server.listen();
      } catch (e) {
        await server.stop();
        throw new Error(`dns-server: could not listen on ${at.host}:${at.port} (UDP and TCP${at.port < 1024 ? '; a port below 1024 needs root' : ''}): ${String(e)}`);
      }
      return server;
    }
    let lastError: unknown;
    // freePort() checks TCP only: should the UDP port of the same number be taken, try another.
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const server = new DnsServer(port, records);
      try {
        await server.listen();
        return server;
      } catch (e) {
        lastError = e;
        await server.stop();
      }
    }
    throw new Error(`dns-server: could not listen on 127.0.0.1 (UDP and TCP): ${String(lastError)}`);
  }

  /** `<host>:<port>`: the authority of a `dns://` gRPC target, or a resolver's server. */
  public readonly address: string;
  /** Every question asked, in order, over UDP and TCP. */
  public readonly queries: DnsQuery[] = [];

  private records = new Map<string, Buffer[]>();
  private readonly udp: UdpSocket = createSocket('udp4');
  private readonly tcp: Server = createServer();
  private readonly connections = new Set<Socket>();

  private constructor(public readonly port: number, records: Record<string, string[]>, public readonly host = '127.0.0.1') {
    this.address = `${host}:${port}`;
    this.setRecords(records);
    this.udp.on('message', (message, peer) => {
      const answer = this.answer(message, UDP_LIMIT);
      if (answer) this.udp.send(answer, peer.port, peer.address);
    });
    this.tcp.on('connection', socket => this.serveTcp(socket));
  }

  /** Replaces the records: the next query gets the new answer (TTLs are 1 s). */
  public setRecords(records: Record<string, string[]>): void {
    const next = new Map<string, Buffer[]>();
    for (const [name, addresses] of Object.entries(records)) {
      for (const a of addresses) {
        if (!isIPv4(a)) throw new Error(`dns-server: records['${name}'] must hold IPv4 addresses, got '${a}'`);
      }
      next.set(normalize(name), addresses.map(a => Buffer.from(a.split('.').map(Number))));
    }
    this.records = next;
  }

  /** Closes both sockets and any open TCP connection. */
  public async stop(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await Promise.all([
      new Promise<void>(resolve => {
        try {
          this.udp.close(() => resolve());
        } catch {
          resolve(); // not bound, or closed already
        }
      }),
      new Promise<void>(resolve => (this.tcp.listening ? this.tcp.close(() => resolve()) : resolve())),
    ]);
  }

  private async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.udp.once('error', reject);
      this.udp.bind(this.port, this.host, () => {
        this.udp.off('error', reject);
        resolve();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(this.port, this.host, () => {
        this.tcp.off('error', reject);
        resolve();
      });
    });
  }

  /** Reads length-prefixed queries off a connection and writes length-prefixed answers. */
  private serveTcp(socket: Socket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', chunk => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const message = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + message.length);
        const answer = this.answer(message, 0xffff);
        if (!answer) {
          socket.destroy();
          return;
        }
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(answer.length);
        socket.write(Buffer.concat([prefix, answer]));
      }
    });
  }

  /** The answer to one query message, at most `limit` bytes; undefined for what is not a query. */
  private answer(query: Buffer, limit: number): Buffer | undefined {
    if (query.length < 12 || (query[2] & 0x80) !== 0) return undefined; // too short for a header, or a response
    const id = query.readUInt16BE(0);
    const rd = query[2] & 0x01;
    if (((query[2] >> 3) & 0x0f) !== 0) return header(id, rd, RCODE_NOTIMP, 0, 0);
    const question = readQuestion(query);
    if (!question) return header(id, rd, RCODE_FORMERR, 0, 0);
    this.queries.push({ name: question.name, type: question.type });

    const addresses = this.records.get(question.name);
    const answers = addresses && question.type === TYPE_A && question.qclass === CLASS_IN ? addresses : [];
    const rcode = addresses ? 0 : RCODE_NXDOMAIN;
    const records = answers.map(address => {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's, at offset 12
      rr.writeUInt16BE(TYPE_A, 2);
      rr.writeUInt16BE(CLASS_IN, 4);
      rr.writeUInt32BE(1, 6); // TTL, seconds
      rr.writeUInt16BE(4, 10);
      address.copy(rr, 12);
      return rr;
    });
    const full = Buffer.concat([header(id, rd, rcode, 1, records.length), question.bytes, ...records]);
    if (full.length <= limit) return full;
    const truncated = Buffer.concat([header(id, rd, rcode, 1, 0), question.bytes]);
    truncated[2] |= 0x02; // TC
    return truncated;
  }
}

/** A header with QR and AA set (and RD as asked), no authority or additional records. */
function header(id: number, rd: number, rcode: number, qdcount: number, ancount: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h[2] = 0x80 | 0x04 | rd; // QR, opcode QUERY, AA, RD
  h[3] = rcode;
  h.writeUInt16BE(qdcount, 4);
  h.writeUInt16BE(ancount, 6);
  return h;
}

/** The one question of a query (the additional section, such as an EDNS0 OPT record, is not read). */
function readQuestion(query: Buffer): { name: string; type: number; qclass: number; bytes: Buffer } | undefined {
  if (query.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    if (offset >= query.length) return undefined;
    const length = query[offset];
    if (length === 0) break;
    if (length > 63) return undefined; // a compression pointer has no place in a query's only name
    if (offset + 1 + length > query.length) return undefined;
    labels.push(query.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  const end = offset + 1 + 4;
  if (end > query.length) return undefined;
  return {
    name: normalize(labels.join('.')),
    type: query.readUInt16BE(offset + 1),
    qclass: query.readUInt16BE(offset + 3),
    bytes: query.subarray(12, end),
  };
}

/** Lower-case, without a trailing dot: how names are compared. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
