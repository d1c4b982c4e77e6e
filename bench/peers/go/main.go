// peer-go: the span of tools/tracegen's comparison, made with
// opentelemetry-go and exported through its BatchSpanProcessor (default
// queue 2048, batch 512) and an OTLP exporter, insecure, to a local sink.
//
//	peer-go --protocol grpc|http --endpoint HOST:PORT [--count N] [--rate SPANS_PER_S]
//
// At exit it prints one line:
//
//	peer: created=C exported=E dropped=D elapsed_s=S ns_per_span=X
//
// elapsed_s and ns_per_span cover the producing loop only; exported counts
// the spans of every export call that succeeded.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// countingExporter passes batches to the OTLP exporter and counts the spans
// of the calls that succeeded: the SDK itself does not report them.
type countingExporter struct {
	next     sdktrace.SpanExporter
	exported atomic.Int64
}

func (c *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := c.next.ExportSpans(ctx, spans)
	if err == nil {
		c.exported.Add(int64(len(spans)))
	}
	return err
}

func (c *countingExporter) Shutdown(ctx context.Context) error { return c.next.Shutdown(ctx) }

func newExporter(ctx context.Context, protocol, endpoint string) (sdktrace.SpanExporter, error) {
	switch protocol {
	case "grpc":
		return otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(endpoint), otlptracegrpc.WithInsecure())
	case "http", "http/protobuf":
		return otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(endpoint), otlptracehttp.WithInsecure())
	}
	return nil, fmt.Errorf("--protocol %q: expected grpc or http", protocol)
}

func main() {
	protocol := flag.String("protocol", "grpc", "grpc or http")
	endpoint := flag.String("endpoint", "127.0.0.1:4317", "HOST:PORT of the OTLP receiver")
	count := flag.Int64("count", 1000000, "spans to make")
	rate := flag.Float64("rate", 0, "spans per second; 0: as fast as possible")
	shutdownTimeout := flag.Duration("shutdown-timeout", 10*time.Second, "how long the final flush may take")
	flag.Parse()

	ctx := context.Background()
	otlp, err := newExporter(ctx, *protocol, *endpoint)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer-go:", err)
		os.Exit(2)
	}
	exporter := &countingExporter{next: otlp}
	// NewBatchSpanProcessor with no options: the SDK's default queue (2048),
	// batch (512), delay (5 s) and export timeout (30 s), dropping when full.
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(exporter)),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
	)
	tracer := provider.Tracer("peer-go")

	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", "GET"),
		attribute.String("http.route", "/api/v1/projects/{id}"),
		attribute.String("url.path", "/api/v1/projects/42"),
		attribute.Int("http.response.status_code", 200),
		attribute.Int("server.port", 8080),
	}

	var interval time.Duration
	if *rate > 0 {
		interval = time.Duration(float64(time.Second) / *rate)
	}
	start := time.Now()
	next := start
	var created int64
	for created < *count {
		if interval > 0 {
			// Pace to the rate on average: sleep only when ahead of schedule.
			next = next.Add(interval)
			if wait := time.Until(next); wait > 0 {
				time.Sleep(wait)
			}
		}
		_, span := tracer.Start(ctx, "GET /api/v1/projects/{id}", trace.WithSpanKind(trace.SpanKindServer))
		// Five calls, as the other programs make them, not one call with five.
		span.SetAttributes(attrs[0])
		span.SetAttributes(attrs[1])
		span.SetAttributes(attrs[2])
		span.SetAttributes(attrs[3])
		span.SetAttributes(attrs[4])
		span.End()
		created++
	}
	elapsed := time.Since(start)

	shutdownCtx, cancel := context.WithTimeout(ctx, *shutdownTimeout)
	if err := provider.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintln(os.Stderr, "peer-go: shutdown:", err)
	}
	cancel()
	exported := exporter.exported.Load()
	fmt.Printf("peer: created=%d exported=%d dropped=%d elapsed_s=%.6f ns_per_span=%.1f\n",
		created, exported, created-exported, elapsed.Seconds(),
		float64(elapsed.Nanoseconds())/float64(max(created, 1)))
}
