/** The test DNS server, asked by Node's own resolver (c-ares, over UDP) and by raw queries over UDP and TCP. */
import { createSocket } from 'dgram';
import { promises as dns } from 'dns';
import { existsSync, readFileSync } from 'fs';
import { connect } from 'net';
import { DnsServer } from '../_support/dns-server';

const NAME = 'sampling.tracing.svc';

/** A resolver that asks only `server`, once, and gives up quickly (a broken server fails the test, not the timeout). */
function resolverFor(server: DnsServer): dns.Resolver {
  const resolver = new dns.Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([server.address]);
  return resolver;
}

/** A query as Go's resolver sends it: RD set, one question of class IN, and an EDNS0 OPT record (UDP size 1232). */
function rawQuery(id: number, name: string, type: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header[2] = 0x01; // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  header.writeUInt16BE(1, 10); // ARCOUNT: the OPT record
  const labels = name.replace(/\.$/, '').split('.');
  const qname = Buffer.concat([...labels.map(l => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  const opt = Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]); // root name, type OPT, size 1232, TTL 0, RDLEN 0
  return Buffer.concat([header, qname, tail, opt]);
}

/** What a test reads of an answer's header. */
function readHeader(answer: Buffer) {
  return {
    id: answer.readUInt16BE(0),
    qr: (answer[2] & 0x80) !== 0,
    aa: (answer[2] & 0x04) !== 0,
    tc: (answer[2] & 0x02) !== 0,
    rd: (answer[2] & 0x01) !== 0,
    rcode: answer[3] & 0x0f,
    qdcount: answer.readUInt16BE(4),
    ancount: answer.readUInt16BE(6),
  };
}

/** Sends one length-prefixed query over TCP and returns the answer without its prefix. */
function askOverTcp(port: number, query: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(query.length);
    socket.on('connect', () => socket.write(Buffer.concat([prefix, query])));
    let received = Buffer.alloc(0);
    socket.on('data', chunk => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        socket.destroy();
        resolve(received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
    socket.on('error', reject);
    socket.setTimeout(2000, () => {
      socket.destroy();
      reject(new Error('no answer over TCP within 2 s'));
    });
  });
}

/** Sends one query over UDP and returns the answer. */
function askOverUdp(port: number, query: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no answer over UDP within 2 s'));
    }, 2000);
    socket.on('message', message => {
      clearTimeout(timer);
      socket.close();
      resolve(message);
    });
    socket.send(query, port, '127.0.0.1');
  });
}

describe('DnsServer', () => {
  let server: DnsServer;
  beforeEach(async () => {
    server = await DnsServer.start({ [NAME]: ['127.0.0.1', '127.0.0.2'] });
  });
  afterEach(() => server?.stop());

  test('listens on 127.0.0.1 on a port below the ephemeral range', () => {
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThanOrEqual(10_000);
    const range = '/proc/sys/net/ipv4/ip_local_port_range';
    const ephemeralLow = existsSync(range) ? Number(readFileSync(range, 'utf8').trim().split(/\s+/)[0]) : 32_768;
    expect(server.port).toBeLessThan(ephemeralLow);
  });

  test('answers A with every address of the name, and records the question', async () => {
    const addresses = await resolverFor(server).resolve4(NAME);
    expect([...addresses].sort()).toStrictEqual(['127.0.0.1', '127.0.0.2']);
    expect(server.queries).toContainEqual({ name: NAME, type: 1 });
  });

  test('gives the A records a TTL of 1 second', async () => {
    const records = await resolverFor(server).resolve4(NAME, { ttl: true });
    expect(records.map(r => r.ttl)).toStrictEqual([1, 1]);
  });

  test('answers NODATA (ENODATA) to AAAA and TXT of a known name', async () => {
    const resolver = resolverFor(server);
    await expect(resolver.resolve6(NAME)).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(resolver.resolveTxt(NAME)).rejects.toMatchObject({ code: 'ENODATA' });
    expect(server.queries).toStrictEqual([{ name: NAME, type: 28 }, { name: NAME, type: 16 }]);
  });

  test('answers NXDOMAIN (ENOTFOUND) for an unknown name', async () => {
    await expect(resolverFor(server).resolve4('other.tracing.svc')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(server.queries).toStrictEqual([{ name: 'other.tracing.svc', type: 1 }]);
  });

  test('compares names case-insensitively, with or without a trailing dot', async () => {
    server.setRecords({ 'Mixed.Tracing.SVC.': ['127.0.0.3'] });
    const resolver = resolverFor(server);
    expect(await resolver.resolve4('MIXED.tracing.svc')).toStrictEqual(['127.0.0.3']);
    expect(await resolver.resolve4('mixed.tracing.svc.')).toStrictEqual(['127.0.0.3']);
    expect(server.queries.map(q => q.name)).toStrictEqual(['mixed.tracing.svc', 'mixed.tracing.svc']);
  });

  test('setRecords changes the answer of the next query', async () => {
    const resolver = resolverFor(server);
    expect((await resolver.resolve4(NAME)).sort()).toStrictEqual(['127.0.0.1', '127.0.0.2']);
    server.setRecords({ [NAME]: ['127.0.0.1', '127.0.0.2', '127.0.0.3'] });
    expect((await resolver.resolve4(NAME)).sort()).toStrictEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
  });

  test('answers a length-prefixed query with an EDNS0 OPT record over TCP', async () => {
    const answer = await askOverTcp(server.port, rawQuery(0x1234, 'SAMPLING.tracing.svc.', 1));
    expect(readHeader(answer)).toStrictEqual({ id: 0x1234, qr: true, aa: true, tc: false, rd: true, rcode: 0, qdcount: 1, ancount: 2 });
    // the question echoed as asked, then two A records of 4 bytes each
    const question = rawQuery(0x1234, 'SAMPLING.tracing.svc.', 1).subarray(12, -11);
    expect(answer.subarray(12, 12 + question.length)).toStrictEqual(question);
    const rdata = [answer.subarray(-20, -16), answer.subarray(-4)].map(b => [...b].join('.'));
    expect(rdata.sort()).toStrictEqual(['127.0.0.1', '127.0.0.2']);
  });

  test('truncates an answer over 512 bytes on UDP, and gives it whole over TCP', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `127.0.1.${i + 1}`);
    server.setRecords({ [NAME]: many });
    const overUdp = readHeader(await askOverUdp(server.port, rawQuery(7, NAME, 1)));
    expect(overUdp).toMatchObject({ id: 7, tc: true, rcode: 0, ancount: 0 });
    const overTcp = readHeader(await askOverTcp(server.port, rawQuery(8, NAME, 1)));
    expect(overTcp).toMatchObject({ id: 8, tc: false, rcode: 0, ancount: 40 });
    // Node's resolver, like Go's, asks again over TCP on a truncated answer
    expect((await resolverFor(server).resolve4(NAME)).sort()).toStrictEqual([...many].sort());
  });

  test('fails if an address is not IPv4', () => {
    expect(() => server.setRecords({ [NAME]: ['::1'] })).toThrow(/records\['sampling.tracing.svc'\] must hold IPv4 addresses, got '::1'/);
  });

  test('stop closes UDP and TCP, and connections left open', async () => {
    const idle = connect(server.port, '127.0.0.1');
    await new Promise(resolve => idle.once('connect', resolve));
    const closed = new Promise(resolve => idle.once('close', resolve));
    idle.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      server.stop().then(() => 'stopped'),
      new Promise(resolve => { timer = setTimeout(() => resolve('still waiting after 2 s'), 2000); }),
    ]);
    clearTimeout(timer);
    const closedByServer = await Promise.race([closed.then(() => true), new Promise(resolve => setTimeout(() => resolve(false), 1000))]);
    idle.destroy();
    expect(stopped).toBe('stopped');
    expect(closedByServer).toBe(true);
    await expect(askOverTcp(server.port, rawQuery(9, NAME, 1))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(resolverFor(server).resolve4(NAME)).rejects.toMatchObject({ code: expect.stringMatching(/ECONNREFUSED|ETIMEOUT/) });
  });
});
