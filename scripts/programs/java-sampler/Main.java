// java-sampler: a test-only probe that shows what the OpenTelemetry Java SDK makes of the sampling
// environment variables our library renders (OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER,
// OTEL_TRACES_SAMPLER_ARG). It is configured by the OTEL_* variables only: the SDK is built by
// AutoConfiguredOpenTelemetrySdk, exactly as the Java agent and every autoconfigured application
// build it, with opentelemetry-sdk-extension-jaeger-remote-sampler on the class path (it provides
// jaeger_remote, and autoconfigure wraps it for parentbased_jaeger_remote). The flags below choose
// how many spans to start and under which name, never how to sample them.
//
// For jaeger_remote and parentbased_jaeger_remote the SDK's JaegerRemoteSampler polls
// `endpoint` (from OTEL_TRACES_SAMPLER_ARG) with gRPC jaeger.api_v2.SamplingManager/GetSamplingStrategy.
// The probe waits until that sampler has applied a strategy it fetched (see waitForStrategy).
//
// It then starts -spans root spans named -operation and prints one JSON line on stdout:
//
//   {"sampler":"<getDescription() of the provider's sampler>","sampled":N,"total":M,"service":...,
//    "operation":...,"strategy":"<description of the sampler the remote sampler fetched>"}
//
// Everything the SDK logs (java.util.logging) goes to stderr. Errors: exit 2 for a usage error, 1
// for anything else (the SDK rejecting the configuration, a warning or error the SDK logs, no
// strategy fetched in time).
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.extension.trace.jaeger.sampler.JaegerRemoteSampler;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

public final class Main {
  private static final List<String> SDK_SAMPLERS = Arrays.asList(
      "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio");
  private static final List<String> REMOTE_SAMPLERS = Arrays.asList("jaeger_remote", "parentbased_jaeger_remote");
  /** How JaegerRemoteSampler logs a failed fetch, which it retries at the next poll. */
  private static final String FETCH_FAILED = "Failed to execute remoteSamplings.";

  public static void main(String[] args) {
    long timeoutMs = 10_000;
    int spans = 2000;
    String operation = "probe";
    for (int i = 0; i < args.length; i++) {
      String flag = args[i].replaceFirst("^--?", "");
      if (i + 1 >= args.length) usage("flag " + args[i] + " needs a value");
      String value = args[++i];
      switch (flag) {
        case "timeout": timeoutMs = parseDuration(value); break;
        case "spans":
          try {
            spans = Integer.parseInt(value);
          } catch (NumberFormatException e) {
            usage("-spans " + value + " is not an integer");
          }
          break;
        case "operation": operation = value; break;
        default: usage("takes only -timeout, -spans (> 0) and -operation");
      }
    }
    if (spans <= 0) usage("takes only -timeout, -spans (> 0) and -operation");

    String samplerEnv = System.getenv("OTEL_TRACES_SAMPLER");
    String samplerName = samplerEnv == null ? "" : samplerEnv.trim().toLowerCase(Locale.ROOT);
    boolean remote = REMOTE_SAMPLERS.contains(samplerName);
    if (!remote && !SDK_SAMPLERS.contains(samplerName)) {
      List<String> all = new ArrayList<>(SDK_SAMPLERS);
      all.addAll(REMOTE_SAMPLERS);
      usage("OTEL_TRACES_SAMPLER=\"" + (samplerEnv == null ? "" : samplerEnv) + "\" is not one of " + String.join(", ", all));
    }
    String service = System.getenv("OTEL_SERVICE_NAME");
    if (service == null || service.trim().isEmpty()) usage("OTEL_SERVICE_NAME is not set");

    ErrorLog errors = ErrorLog.install();
    AutoConfiguredOpenTelemetrySdk autoConfigured;
    try {
      autoConfigured = AutoConfiguredOpenTelemetrySdk.builder().disableShutdownHook().build();
    } catch (RuntimeException e) {
      StringBuilder causes = new StringBuilder(e.toString());
      for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) causes.append(": caused by ").append(c);
      fail("the SDK rejected the configuration: " + causes);
      return;
    }
    OpenTelemetrySdk sdk = autoConfigured.getOpenTelemetrySdk();
    errors.failIfAny();
    // The service name as the SDK's resource has it (autoconfigure reads OTEL_SERVICE_NAME).
    Resource resource = (Resource) invoke(autoConfigured, "getResource");
    String resourceService = resource.getAttribute(AttributeKey.stringKey("service.name"));
    Sampler sampler = sdk.getSdkTracerProvider().getSampler();

    String strategy = null;
    if (remote) {
      JaegerRemoteSampler jaeger = findRemote(sampler);
      if (jaeger == null) fail("no JaegerRemoteSampler in the provider's sampler " + sampler.getDescription());
      Object asks = readField(jaeger, "serviceName");
      if (!String.valueOf(asks).equals(resourceService)) {
        fail("the remote sampler asks for service \"" + asks + "\", the resource has \"" + resourceService + "\"");
      }
      strategy = waitForStrategy(jaeger, errors, timeoutMs).getDescription();
    }

    Tracer tracer = sdk.getTracer("java-sampler");
    int sampled = 0;
    for (int i = 0; i < spans; i++) {
      Span span = tracer.spanBuilder(operation).setNoParent().startSpan();
      if (span.getSpanContext().isSampled()) sampled++;
      span.end();
    }
    String description = sampler.getDescription();
    sdk.shutdown().join(10, TimeUnit.SECONDS);
    errors.failIfAny();

    StringBuilder out = new StringBuilder("{");
    out.append("\"sampler\":").append(json(description));
    out.append(",\"sampled\":").append(sampled);
    out.append(",\"total\":").append(spans);
    out.append(",\"service\":").append(json(String.valueOf(resourceService)));
    out.append(",\"operation\":").append(json(operation));
    if (strategy != null) out.append(",\"strategy\":").append(json(strategy));
    out.append("}");
    System.out.println(out);
    System.out.flush();
    System.exit(0);
  }

  /** Calls a method autoconfigure keeps package-private (no API shows the resource it built). */
  private static Object invoke(Object target, String name) {
    try {
      java.lang.reflect.Method m = target.getClass().getDeclaredMethod(name);
      m.setAccessible(true);
      return m.invoke(target);
    } catch (ReflectiveOperationException | RuntimeException e) {
      fail("cannot call " + target.getClass().getName() + "." + name + "() (SDK version changed?): " + e);
      return null;
    }
  }

  /** The JaegerRemoteSampler autoconfigure built: the sampler itself, or the root of ParentBased. */
  private static JaegerRemoteSampler findRemote(Sampler sampler) {
    if (sampler instanceof JaegerRemoteSampler) return (JaegerRemoteSampler) sampler;
    Object root = readField(sampler, "root");
    return root instanceof JaegerRemoteSampler ? (JaegerRemoteSampler) root : null;
  }

  /**
   * Returns the sampler that the JaegerRemoteSampler uses once it has applied a strategy it fetched.
   * The remote sampler keeps its current sampler in a private field and replaces it with a new object
   * after every successful fetch (and only then): the probe reads the field (reflection; no API
   * shows it) and waits until it holds an object other than the one it first saw. A fetch that
   * completed before that first look is not counted, so the wait may take one polling interval more,
   * but never ends before a fetch has succeeded. Failed fetches (logged by the sampler, which retries
   * at the next poll) are retried until the deadline; other logged warnings fail at once.
   */
  private static Sampler waitForStrategy(JaegerRemoteSampler jaeger, ErrorLog errors, long timeoutMs) {
    Object first = readField(jaeger, "sampler");
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (true) {
      errors.failIfAny();
      Object current = readField(jaeger, "sampler");
      if (current != first) return (Sampler) current;
      if (System.nanoTime() > deadline) {
        String last = errors.lastRetryable();
        fail("no sampling strategy fetched within " + formatDuration(timeoutMs) + ": "
            + (last != null ? last : "no fetch completed (pollingIntervalMs in OTEL_TRACES_SAMPLER_ARG longer than -timeout?)"));
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted");
      }
    }
  }

  private static Object readField(Object target, String name) {
    for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
      } catch (NoSuchFieldException e) {
        // look in the superclass
      } catch (ReflectiveOperationException | RuntimeException e) {
        fail("cannot read " + c.getName() + "." + name + " (SDK version changed?): " + e);
      }
    }
    fail(target.getClass().getName() + " has no field '" + name + "' (SDK version changed?)");
    return null;
  }

  /** Everything the SDK logs through java.util.logging: printed to stderr; warnings and errors recorded. */
  static final class ErrorLog extends Handler {
    private final List<String> fatals = new ArrayList<>();
    private String lastRetryable;

    static ErrorLog install() {
      LogManager.getLogManager().reset();
      ErrorLog log = new ErrorLog();
      Logger root = Logger.getLogger("");
      root.setLevel(Level.INFO);
      root.addHandler(log);
      return log;
    }

    @Override
    public synchronized void publish(LogRecord r) {
      String msg = r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
          + (r.getThrown() != null ? ": " + r.getThrown() : "");
      System.err.println("java-sampler: sdk: " + msg);
      if (r.getLevel().intValue() < Level.WARNING.intValue()) return;
      if (r.getMessage() != null && r.getMessage().startsWith(FETCH_FAILED)) {
        lastRetryable = msg;
      } else {
        fatals.add(msg);
      }
    }

    synchronized void failIfAny() {
      if (!fatals.isEmpty()) fail("the SDK logged: " + String.join("; ", fatals));
    }

    synchronized String lastRetryable() {
      return lastRetryable;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  /** Go-style durations as the Go probe takes them: 500ms, 1s, 2m. */
  private static long parseDuration(String s) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)(ms|s|m)$").matcher(s);
    if (!m.matches()) usage("-timeout " + s + " is not a duration like 500ms, 10s or 1m");
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms": return n;
      case "s": return n * 1000;
      default: return n * 60_000;
    }
  }

  private static String formatDuration(long ms) {
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }

  private static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"': b.append("\\\""); break;
        case '\\': b.append("\\\\"); break;
        case '\n': b.append("\\n"); break;
        case '\r': b.append("\\r"); break;
        case '\t': b.append("\\t"); break;
        default:
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
      }
    }
    return b.append('"').toString();
  }

  private static void usage(String msg) {
    System.err.println("java-sampler: " + msg);
    System.exit(2);
  }

  private static void fail(String msg) {
    System.err.println("java-sampler: " + msg);
    System.err.flush();
    System.exit(1);
  }
}
