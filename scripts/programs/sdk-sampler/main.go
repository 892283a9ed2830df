// sdk-sampler: a test-only probe that shows what the OpenTelemetry Go SDK makes of the sampling
// environment variables our library renders (OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER,
// OTEL_TRACES_SAMPLER_ARG). It is configured by those variables only; the flags below choose how
// many spans to start and under which name, never how to sample them.
//
//   - always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off,
//     parentbased_traceidratio: the SDK reads both variables itself (sdktrace.NewTracerProvider
//     without WithSampler). The SDK falls back to a ratio of 1.0 on a bad argument and only reports
//     it to the global error handler; this probe turns such a report into a failure.
//   - jaeger_remote, parentbased_jaeger_remote: the Go SDK does not know these names (it reports
//     "unsupported sampler", which is expected here and ignored), so, like every Go application
//     that uses Jaeger remote sampling, the program builds go.opentelemetry.io/contrib/samplers/jaegerremote
//     itself; jaegerremote.New reads OTEL_TRACES_SAMPLER_ARG
//     (endpoint=<url of /sampling>,pollingIntervalMs=<int>,initialSamplingRate=<float>). The probe
//     waits until the sampler has fetched a strategy from the endpoint and applied it.
//
// It then starts -spans root spans named -operation and prints one JSON line on stdout:
//
//	{"sampler":"<Description() of the provider's sampler>","sampled":N,"total":M,...}
//
// with, for the remote samplers, the strategy the endpoint served and the jaeger.sampler.type /
// jaeger.sampler.param attributes the sampled spans carried (jaegerremote's own Description() is a
// constant, "JaegerRemoteSampler{}", so those attributes are what show the fetched rate).
// Errors go to stderr: exit 2 for a usage error, 1 for anything else.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/contrib/samplers/jaegerremote"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The samplers the SDK reads from OTEL_TRACES_SAMPLER by itself, and the two that need jaegerremote.
var (
	sdkSamplers    = []string{"always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"}
	remoteSamplers = []string{"jaeger_remote", "parentbased_jaeger_remote"}
)

type result struct {
	Sampler   string `json:"sampler"`
	Sampled   int    `json:"sampled"`
	Total     int    `json:"total"`
	Service   string `json:"service"`
	Operation string `json:"operation"`
	// Remote samplers only: the last strategy the endpoint served (as served) and, per
	// "<jaeger.sampler.type>:<jaeger.sampler.param>", how many sampled spans carried it.
	Strategy          json.RawMessage `json:"strategy,omitempty"`
	SamplerAttributes map[string]int  `json:"samplerAttributes,omitempty"`
}

func main() {
	timeout := flag.Duration("timeout", 10*time.Second, "how long a remote sampler may take to fetch and apply a strategy")
	spans := flag.Int("spans", 2000, "how many root spans to start")
	operation := flag.String("operation", "probe", "the name of every span")
	flag.Parse()
	if flag.NArg() > 0 || *spans <= 0 {
		usage("takes only -timeout, -spans (> 0) and -operation")
	}

	samplerName := strings.ToLower(strings.TrimSpace(os.Getenv("OTEL_TRACES_SAMPLER")))
	remote := slices.Contains(remoteSamplers, samplerName)
	if !remote && !slices.Contains(sdkSamplers, samplerName) {
		usage(fmt.Sprintf("OTEL_TRACES_SAMPLER=%q is not one of %s", os.Getenv("OTEL_TRACES_SAMPLER"), strings.Join(append(sdkSamplers, remoteSamplers...), ", ")))
	}
	if strings.TrimSpace(os.Getenv("OTEL_SERVICE_NAME")) == "" {
		usage("OTEL_SERVICE_NAME is not set")
	}
	// The service name as the SDK's resource reads it (OTEL_SERVICE_NAME).
	service, _ := resource.Default().Set().Value(attribute.Key("service.name"))

	// Everything the SDK reports through the global error handler, except the "unsupported sampler"
	// it is expected to report for the jaeger_remote names.
	errs := &errorLog{}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		if remote && err.Error() == "unsupported sampler: "+samplerName {
			return
		}
		errs.add("otel sdk", err)
	}))

	var opts []sdktrace.TracerProviderOption
	var fetches *fetchLog
	if remote {
		// jaegerremote's HTTP client has no transport of its own, so it uses http.DefaultTransport:
		// wrapping it shows each fetch and the strategy served.
		fetches = &fetchLog{next: http.DefaultTransport}
		http.DefaultTransport = fetches
		// Env-parsing errors are logged (not returned) by New, through this logger.
		sampler := jaegerremote.New(service.AsString(), jaegerremote.WithLogger(logr.New(&sink{errs: errs})))
		if err := waitForStrategy(sampler, fetches, errs, *timeout); err != nil {
			fail(err)
		}
		if samplerName == "parentbased_jaeger_remote" {
			opts = append(opts, sdktrace.WithSampler(sdktrace.ParentBased(sampler)))
		} else {
			opts = append(opts, sdktrace.WithSampler(sampler))
		}
	}
	tp := sdktrace.NewTracerProvider(opts...)
	if err := errs.fatal(); err != nil {
		fail(err)
	}
	description, err := providerSampler(tp)
	if err != nil {
		fail(err)
	}

	out := result{Sampler: description, Total: *spans, Service: service.AsString(), Operation: *operation}
	tracer := tp.Tracer("sdk-sampler")
	for range *spans {
		_, span := tracer.Start(context.Background(), *operation)
		if span.SpanContext().IsSampled() {
			out.Sampled++
			if remote {
				if key := jaegerAttributes(span); key != "" {
					if out.SamplerAttributes == nil {
						out.SamplerAttributes = map[string]int{}
					}
					out.SamplerAttributes[key]++
				}
			}
		}
		span.End()
	}
	if remote {
		out.Strategy = fetches.lastStrategy()
	}
	if err := tp.Shutdown(context.Background()); err != nil {
		fail(err)
	}
	if err := errs.fatal(); err != nil {
		fail(err)
	}
	line, err := json.Marshal(out)
	if err != nil {
		fail(err)
	}
	fmt.Println(string(line))
}

// waitForStrategy returns once the sampler has applied a strategy its endpoint served: after the
// first successful fetch it closes the sampler. Close waits for the polling goroutine, which takes
// it only between polls, so the fetched strategy is in place (or its parse error logged) by then.
// Failed fetches (the endpoint not up yet) are retried by the sampler until the deadline; logged
// parse errors and env-parsing errors fail at once.
func waitForStrategy(sampler *jaegerremote.Sampler, fetches *fetchLog, errs *errorLog, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if err := errs.fatal(); err != nil {
			sampler.Close()
			return err
		}
		if fetches.ok() {
			sampler.Close()
			return errs.fatal()
		}
		if time.Now().After(deadline) {
			sampler.Close()
			last := errs.last()
			if last == nil {
				last = errors.New("no fetch completed (pollingIntervalMs in OTEL_TRACES_SAMPLER_ARG longer than -timeout?)")
			}
			return fmt.Errorf("no sampling strategy fetched within %s: %w", timeout, last)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// providerSampler returns Description() of the sampler the TracerProvider actually uses: the SDK
// keeps it in an unexported field, read here with reflect so the description is the SDK's, not a
// reconstruction of it.
func providerSampler(tp *sdktrace.TracerProvider) (string, error) {
	f := reflect.ValueOf(tp).Elem().FieldByName("sampler")
	if !f.IsValid() {
		return "", errors.New("sdktrace.TracerProvider has no field 'sampler' (SDK version changed?)")
	}
	s, ok := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(sdktrace.Sampler)
	if !ok || s == nil {
		return "", errors.New("sdktrace.TracerProvider.sampler is not a Sampler")
	}
	return s.Description(), nil
}

// jaegerAttributes returns "<jaeger.sampler.type>:<jaeger.sampler.param>" of a sampled span, the
// attributes jaegerremote's samplers set, or "" if it has none.
func jaegerAttributes(span interface{}) string {
	ro, ok := span.(interface{ Attributes() []attribute.KeyValue })
	if !ok {
		return ""
	}
	var typ, param string
	for _, kv := range ro.Attributes() {
		switch kv.Key {
		case "jaeger.sampler.type":
			typ = kv.Value.Emit()
		case "jaeger.sampler.param":
			param = kv.Value.Emit()
		}
	}
	if typ == "" && param == "" {
		return ""
	}
	return typ + ":" + param
}

// fetchLog wraps http.DefaultTransport and records the sampling fetches.
type fetchLog struct {
	next     http.RoundTripper
	mu       sync.Mutex
	okCount  int
	strategy []byte
}

func (f *fetchLog) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := f.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	f.mu.Lock()
	defer f.mu.Unlock()
	f.okCount++
	f.strategy = body
	return resp, nil
}

func (f *fetchLog) ok() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.okCount > 0
}

func (f *fetchLog) lastStrategy() json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var compact bytes.Buffer
	if err := json.Compact(&compact, f.strategy); err != nil {
		return nil
	}
	return compact.Bytes()
}

// errorLog collects errors from the SDK's error handler and jaegerremote's logger.
type errorLog struct {
	mu     sync.Mutex
	fatals []string
	lastE  error // the last retryable one
}

func (e *errorLog) add(source string, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fatals = append(e.fatals, fmt.Sprintf("%s: %v", source, err))
}

// addRetryable records an error the remote sampler recovers from by polling again.
func (e *errorLog) addRetryable(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lastE = err
}

func (e *errorLog) fatal() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.fatals) == 0 {
		return nil
	}
	return errors.New(strings.Join(e.fatals, "; "))
}

func (e *errorLog) last() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastE
}

// sink is the logr sink given to jaegerremote: every message goes to stderr; errors are recorded,
// "failed to fetch sampling strategy" as retryable, all others (env parsing, strategy parsing or
// handling) as fatal.
type sink struct {
	errs   *errorLog
	name   string
	values []interface{}
}

func (s *sink) Init(logr.RuntimeInfo)  {}
func (s *sink) Enabled(level int) bool { return level == 0 }
func (s *sink) Info(_ int, msg string, kv ...interface{}) {
	fmt.Fprintf(os.Stderr, "jaegerremote: %s%s\n", msg, formatKV(append(s.values, kv...)))
}

func (s *sink) Error(err error, msg string, kv ...interface{}) {
	fmt.Fprintf(os.Stderr, "jaegerremote: error: %s: %v%s\n", msg, err, formatKV(append(s.values, kv...)))
	if msg == "failed to fetch sampling strategy" {
		s.errs.addRetryable(fmt.Errorf("%s: %w", msg, err))
		return
	}
	s.errs.add("jaegerremote", fmt.Errorf("%s: %w", msg, err))
}

func (s *sink) WithValues(kv ...interface{}) logr.LogSink {
	return &sink{errs: s.errs, name: s.name, values: append(append([]interface{}{}, s.values...), kv...)}
}

func (s *sink) WithName(name string) logr.LogSink {
	return &sink{errs: s.errs, name: name, values: s.values}
}

func formatKV(kv []interface{}) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %v=%v", kv[i], kv[i+1])
	}
	return b.String()
}

func usage(msg string) {
	fmt.Fprintf(os.Stderr, "sdk-sampler: %s\n", msg)
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "sdk-sampler: %v\n", err)
	os.Exit(1)
}
