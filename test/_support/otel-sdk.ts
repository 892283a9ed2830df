/**
 * Sends traces the way instrumented applications do: through the OpenTelemetry JS SDK and its
 * exporters, not hand-written payloads. Each call builds its own tracer provider (nothing is
 * registered globally), emits one small trace ({@link sendTraceWithSdk}) or one span of a trace
 * with chosen status and times ({@link sendSpanWithSdk}), flushes it, checks that the exporter
 * reported success and shuts everything down, so no socket or timer outlives the call.
 *
 * Versions are pinned in package.json to one SDK line, 2.0.1 (stable) / 0.203.0 (OTLP), so each
 * package is installed once:
 * - Node 20: the 3.x packages require Node >= 22.15; 2.x runs on `^18.19 || >=20.6`.
 * - Jest without `--experimental-vm-modules`: from 0.204.0 on, `@opentelemetry/otlp-exporter-base`
 *   loads `http` with a dynamic `import()`, which Jest's CommonJS runtime rejects
 *   (open-telemetry/opentelemetry-js#6035), so the OTLP/HTTP exporter cannot send from a test.
 * - Jaeger Thrift over HTTP: `@opentelemetry/exporter-jaeger` (marked deprecated in its source; its
 *   last release is 2.11.0) is the only SDK exporter that speaks it; 2.0.1 matches the line above.
 */
import { context, SpanKind, SpanStatusCode, trace, TraceFlags, Tracer } from '@opentelemetry/api';
import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import { JaegerExporter } from '@opentelemetry/exporter-jaeger';
import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OtlpHttpExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, ReadableSpan, SimpleSpanProcessor, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/** The ways the SDK can deliver spans to a Jaeger (or any OTLP/Zipkin-speaking) collector. */
export enum SdkProtocol {
  /** OTLP over gRPC (`@opentelemetry/exporter-trace-otlp-grpc`), receiver port 4317. */
  OTLP_GRPC = 'OTLP/gRPC',
  /** OTLP over HTTP with JSON bodies (`@opentelemetry/exporter-trace-otlp-http`), `/v1/traces` on port 4318. */
  OTLP_HTTP = 'OTLP/HTTP',
  /** Zipkin v2 JSON (`@opentelemetry/exporter-zipkin`), `/api/v2/spans` on port 9411. */
  ZIPKIN = 'Zipkin',
  /** Jaeger Thrift over HTTP (`@opentelemetry/exporter-jaeger` with `endpoint`), `/api/traces` on port 14268. */
  JAEGER_THRIFT_HTTP = 'Jaeger Thrift/HTTP',
}

/** The container port each protocol is received on in a Jaeger v2 configuration. */
export const SDK_PROTOCOL_PORTS: Record<SdkProtocol, number> = {
  [SdkProtocol.OTLP_GRPC]: 4317,
  [SdkProtocol.OTLP_HTTP]: 4318,
  [SdkProtocol.ZIPKIN]: 9411,
  [SdkProtocol.JAEGER_THRIFT_HTTP]: 14268,
};

/** One span the SDK emitted. */
export interface SentSpan {
  readonly name: string;
  readonly spanId: string;
  /** The parent's span ID; undefined for the root span. */
  readonly parentSpanId?: string;
  readonly attributes: Record<string, string>;
}

/** What was sent: enough to check what a backend returns. */
export interface SentTrace {
  readonly protocol: SdkProtocol;
  readonly traceId: string;
  readonly serviceName: string;
  /** Root first, then its child. */
  readonly spans: SentSpan[];
}

/** Where to send, on loopback. */
export interface SdkTarget {
  readonly host?: string;
  readonly port: number;
}

/** The SDK exporter for a protocol, pointed at `host:port` with the protocol's standard path. */
export function exporterFor(protocol: SdkProtocol, target: SdkTarget): SpanExporter {
  const base = `http://${target.host ?? '127.0.0.1'}:${target.port}`;
  switch (protocol) {
    case SdkProtocol.OTLP_GRPC: return new OtlpGrpcExporter({ url: base });
    case SdkProtocol.OTLP_HTTP: return new OtlpHttpExporter({ url: `${base}/v1/traces` });
    case SdkProtocol.ZIPKIN: return new ZipkinExporter({ url: `${base}/api/v2/spans` });
    case SdkProtocol.JAEGER_THRIFT_HTTP: return new JaegerExporter({ endpoint: `${base}/api/traces` });
  }
}

/**
 * Wraps an exporter to keep every export result, so a failed export fails the caller. (The SDK's
 * span processors only log failures.) Results are per `export()` call, not per span: the Jaeger
 * exporter, for one, may send both spans in the first call's request and report the second call
 * as an empty success.
 */
class RecordingExporter implements SpanExporter {
  public readonly results: ExportResult[] = [];
  public handedOver = 0;
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.handedOver += spans.length;
    this.inner.export(spans, result => {
      this.results.push(result);
      done(result);
    });
  }
  shutdown(): Promise<void> { return this.inner.shutdown(); }
  forceFlush(): Promise<void> { return this.inner.forceFlush?.() ?? Promise.resolve(); }
}

/**
 * Runs `emit` with a tracer of a fresh provider whose only span processor exports each ended span
 * at once (`SimpleSpanProcessor`) to `protocol` at `target`, then flushes and checks that
 * `expectedSpans` spans were handed to the exporter and every export call reported success; throws
 * with the exporter's error otherwise. The provider and exporter are shut down either way.
 */
async function emitWithSdk<T>(protocol: SdkProtocol, target: SdkTarget, serviceName: string, expectedSpans: number, emit: (tracer: Tracer) => T): Promise<{ value: T; exportCalls: number }> {
  const exporter = new RecordingExporter(exporterFor(protocol, target));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  try {
    const value = emit(provider.getTracer('cdk8s-tracing-tests', '0.1.0'));
    await provider.forceFlush();
    const failed = exporter.results.find(r => r.code !== ExportResultCode.SUCCESS);
    if (failed || exporter.handedOver !== expectedSpans || exporter.results.length === 0) {
      const codes = exporter.results.map(r => ExportResultCode[r.code]).join(', ') || 'none';
      throw new Error(`${protocol} export to ${target.host ?? '127.0.0.1'}:${target.port} failed (${exporter.handedOver} spans handed over, results: ${codes}): ${failed?.error ?? 'no error reported'}`);
    }
    return { value, exportCalls: exporter.results.length };
  } finally {
    await provider.shutdown();
  }
}

/**
 * Emits one trace through the SDK over `protocol`: a SERVER span `GET /cart` with a CLIENT child
 * `SELECT cart`, each with a string attribute, under resource `service.name` = `serviceName`.
 * Resolves once both spans were handed to the exporter and every export call reported success;
 * rejects with the exporter's error otherwise. The provider and exporter are shut down either way.
 */
export async function sendTraceWithSdk(protocol: SdkProtocol, target: SdkTarget, serviceName: string): Promise<SentTrace> {
  const rootAttributes = { 'http.request.method': 'GET', 'test.protocol': protocol };
  const childAttributes = { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM cart WHERE id = $1' };
  const { value: [root, child] } = await emitWithSdk(protocol, target, serviceName, 2, tracer => {
    const r = tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: rootAttributes });
    const c = tracer.startSpan('SELECT cart', { kind: SpanKind.CLIENT, attributes: childAttributes }, trace.setSpan(context.active(), r));
    c.end();
    r.end();
    return [r.spanContext(), c.spanContext()];
  });
  return {
    protocol,
    traceId: root.traceId,
    serviceName,
    spans: [
      { name: 'GET /cart', spanId: root.spanId, attributes: rootAttributes },
      { name: 'SELECT cart', spanId: child.spanId, parentSpanId: root.spanId, attributes: childAttributes },
    ],
  };
}

/** One span for {@link sendSpanWithSdk}. */
export interface SdkSpan {
  /** Span name. */
  readonly name: string;
  /** Span kind. @default SpanKind.INTERNAL */
  readonly kind?: SpanKind;
  /** String attributes. @default - none */
  readonly attributes?: Record<string, string>;
  /** Status (`SpanStatusCode.ERROR` marks a failed operation). @default - UNSET */
  readonly status?: { readonly code: SpanStatusCode; readonly message?: string };
  /** Start time, to emit a span of any duration without waiting that long. @default - now */
  readonly startTime?: Date;
  /** End time. @default - now */
  readonly endTime?: Date;
  /**
   * The span's parent in an existing trace (sampled, as from a remote caller): the span continues
   * that trace. @default - the span is the root of a new trace
   */
  readonly parent?: { readonly traceId: string; readonly spanId: string };
}

/** A span {@link sendSpanWithSdk} emitted. */
export interface SentSdkSpan extends SentSpan {
  readonly traceId: string;
}

/**
 * Emits exactly one span through the SDK over `protocol`, in an export request of its own, under
 * resource `service.name` = `serviceName`: the root of a new trace, or (with `span.parent`) a
 * child in an existing trace, as a downstream service's SDK would export it. Several calls thus
 * send the spans of one trace in separate requests, at whatever moments the caller chooses; with
 * `startTime`/`endTime` a span can last as long as needed without waiting.
 *
 * Resolves once the exporter made exactly one export call for the one span and it reported
 * success; rejects otherwise. (With the OTLP and Zipkin exporters one export call is one request.)
 */
export async function sendSpanWithSdk(protocol: SdkProtocol, target: SdkTarget, serviceName: string, span: SdkSpan): Promise<SentSdkSpan> {
  const { value: sent, exportCalls } = await emitWithSdk(protocol, target, serviceName, 1, tracer => {
    const parentContext = span.parent
      ? trace.setSpanContext(context.active(), { traceId: span.parent.traceId, spanId: span.parent.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true })
      : context.active();
    const s = tracer.startSpan(span.name, { kind: span.kind ?? SpanKind.INTERNAL, attributes: span.attributes, startTime: span.startTime, root: !span.parent }, parentContext);
    if (span.status) s.setStatus(span.status);
    s.end(span.endTime);
    return s.spanContext();
  });
  if (exportCalls !== 1) throw new Error(`${protocol}: expected one export call for one span, got ${exportCalls}`);
  return { traceId: sent.traceId, name: span.name, spanId: sent.spanId, parentSpanId: span.parent?.spanId, attributes: { ...(span.attributes ?? {}) } };
}
