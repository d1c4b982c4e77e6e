//! peer-rust-current: the comparison span made with the opentelemetry API
//! directly (span builder, five set_attribute calls, end) on the current
//! opentelemetry-rust release, through the SDK's BatchSpanProcessor with its
//! default configuration (queue 2048, batch 512, its own export thread) and
//! the OTLP exporter (tonic for gRPC, the blocking reqwest client for HTTP).
//!
//!   peer-rust-current --protocol grpc|http --endpoint HOST:PORT [--count N] [--rate SPANS_PER_S]
//!
//! At exit it prints one line:
//!   peer: created=C exported=E dropped=D elapsed_s=S ns_per_span=X
//! elapsed_s and ns_per_span cover the producing loop only; exported counts
//! the spans of every export call that succeeded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::trace::{Span as _, SpanKind, Tracer as _, TracerProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

#[path = "../../rust-common/peer.rs"]
mod peer;
use peer::Flags;

/// Passes batches to the OTLP exporter and counts the spans of the calls that
/// succeeded: the SDK does not report them.
#[derive(Debug)]
struct CountingExporter {
    next: opentelemetry_otlp::SpanExporter,
    exported: Arc<AtomicU64>,
}

impl SpanExporter for CountingExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len() as u64;
        let result = self.next.export(batch).await;
        if result.is_ok() {
            self.exported.fetch_add(spans, Ordering::Relaxed);
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.next.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.next.force_flush()
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.next.set_resource(resource)
    }
}

fn otlp_exporter(flags: &Flags) -> Result<opentelemetry_otlp::SpanExporter, String> {
    let built = match flags.protocol.as_str() {
        "grpc" => opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(format!("http://{}", flags.endpoint))
            .build(),
        // An endpoint given in code is used as it is: it names the full path.
        "http" | "http/protobuf" => opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .with_endpoint(format!("http://{}/v1/traces", flags.endpoint))
            .build(),
        other => return Err(format!("--protocol {other}: expected grpc or http")),
    };
    built.map_err(|e| e.to_string())
}

fn main() {
    let flags = peer::flags_or_exit("peer-rust-current");

    // The tonic client needs a Tokio runtime: its connection runs on the
    // runtime's worker threads, while the batch processor's own thread waits
    // for each export. The HTTP exporter's blocking client does not use it.
    let runtime = peer::runtime();
    let _entered = runtime.enter();

    let exported = Arc::new(AtomicU64::new(0));
    let next = peer::or_exit("peer-rust-current", otlp_exporter(&flags));
    let exporter = CountingExporter { next, exported: exported.clone() };
    // with_batch_exporter: BatchConfig::default(), i.e. queue 2048, batch 512,
    // delay 5 s, dropping when the queue is full.
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .build();
    let tracer = provider.tracer("peer-rust-current");

    let elapsed = peer::produce(&flags, || {
        let mut span = tracer
            .span_builder("GET /api/v1/projects/{id}")
            .with_kind(SpanKind::Server)
            .start(&tracer);
        span.set_attribute(KeyValue::new("http.request.method", "GET"));
        span.set_attribute(KeyValue::new("http.route", "/api/v1/projects/{id}"));
        span.set_attribute(KeyValue::new("url.path", "/api/v1/projects/42"));
        span.set_attribute(KeyValue::new("http.response.status_code", 200_i64));
        span.set_attribute(KeyValue::new("server.port", 8080_i64));
        span.end();
    });
    let created = flags.count;

    if let Err(error) = provider.shutdown_with_timeout(flags.shutdown_timeout) {
        eprintln!("peer-rust-current: shutdown: {error}");
    }
    let exported = exported.load(Ordering::Relaxed);
    peer::print_result(created, exported, elapsed);
    // The runtime's threads may still hold a connection: leave without waiting.
    std::process::exit(0);
}
