//! peer-rust-story: the comparison span made with the `tracing` crate and
//! carried to OpenTelemetry by tracing-opentelemetry 0.22, on
//! opentelemetry 0.21 / opentelemetry_sdk 0.21 (Tokio runtime) and
//! opentelemetry-otlp 0.14, through the batch span processor with its default
//! configuration (queue 2048, batch 512).
//!
//!   peer-rust-story --protocol grpc|http --endpoint HOST:PORT [--count N] [--rate SPANS_PER_S]
//!
//! At exit it prints one line:
//!   peer: created=C exported=E dropped=D elapsed_s=S ns_per_span=X
//! elapsed_s and ns_per_span cover the producing loop only; exported counts
//! the spans of every export call that succeeded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::export::trace::{ExportResult, SpanData, SpanExporter};
use tracing_subscriber::layer::SubscriberExt;

#[path = "../../rust-common/peer.rs"]
mod peer;
use peer::Flags;

/// Passes batches to the OTLP exporter and counts the spans of the calls that
/// succeeded: the SDK itself does not report them.
#[derive(Debug)]
struct CountingExporter {
    next: opentelemetry_otlp::SpanExporter,
    exported: Arc<AtomicU64>,
}

impl SpanExporter for CountingExporter {
    fn export(&mut self, batch: Vec<SpanData>) -> BoxFuture<'static, ExportResult> {
        let spans = batch.len() as u64;
        let exported = self.exported.clone();
        let result = self.next.export(batch);
        Box::pin(async move {
            let result = result.await;
            if result.is_ok() {
                exported.fetch_add(spans, Ordering::Relaxed);
            }
            result
        })
    }

    fn shutdown(&mut self) {
        self.next.shutdown()
    }

    fn force_flush(&mut self) -> BoxFuture<'static, ExportResult> {
        self.next.force_flush()
    }
}

fn otlp_exporter(flags: &Flags) -> Result<opentelemetry_otlp::SpanExporter, String> {
    let endpoint = format!("http://{}", flags.endpoint);
    let built = match flags.protocol.as_str() {
        "grpc" => opentelemetry_otlp::new_exporter()
            .tonic()
            .with_endpoint(endpoint)
            .build_span_exporter(),
        // The HTTP exporter appends /v1/traces to the endpoint it is given.
        "http" | "http/protobuf" => opentelemetry_otlp::new_exporter()
            .http()
            .with_endpoint(endpoint)
            .build_span_exporter(),
        other => return Err(format!("--protocol {other}: expected grpc or http")),
    };
    built.map_err(|e| e.to_string())
}

fn main() {
    let flags = peer::flags_or_exit("peer-rust-story");

    // The batch processor and the exporters run on this runtime's worker
    // threads; the producing loop runs on the main thread.
    let runtime = peer::runtime();
    let _entered = runtime.enter();

    // A full queue reports each dropped span to the global error handler,
    // whose default prints a line per span: count them instead.
    let sdk_errors = Arc::new(AtomicU64::new(0));
    {
        let sdk_errors = sdk_errors.clone();
        opentelemetry::global::set_error_handler(move |_| {
            sdk_errors.fetch_add(1, Ordering::Relaxed);
        })
        .expect("error handler");
    }

    let exported = Arc::new(AtomicU64::new(0));
    let next = peer::or_exit("peer-rust-story", otlp_exporter(&flags));
    let exporter = CountingExporter { next, exported: exported.clone() };
    // with_batch_exporter: BatchConfig::default(), i.e. queue 2048, batch 512,
    // delay 5 s, export timeout 30 s, one export at a time.
    let provider = opentelemetry_sdk::trace::TracerProvider::builder()
        .with_batch_exporter(exporter, opentelemetry_sdk::runtime::Tokio)
        .build();
    let tracer = provider.tracer("peer-rust-story");
    let subscriber = tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer));
    tracing::subscriber::set_global_default(subscriber).expect("subscriber");

    let elapsed = peer::produce(&flags, || {
        let span = tracing::info_span!(
            "GET /api/v1/projects/{id}",
            otel.kind = "server",
            http.request.method = "GET",
            http.route = "/api/v1/projects/{id}",
            url.path = "/api/v1/projects/42",
            http.response.status_code = 200_i64,
            server.port = 8080_i64,
        );
        let entered = span.enter();
        drop(entered);
        drop(span);
    });
    let created = flags.count;

    // Dropping the last provider shuts the batch processor down, which exports
    // what is queued. Its shutdown and flush requests travel in the span
    // channel itself and fail at once while that channel is full (as it is at
    // the end of a run that drops): flush until a flush gets through, then
    // drop. The wait is bounded on another thread.
    let (done, wait) = std::sync::mpsc::channel();
    let deadline = Instant::now() + flags.shutdown_timeout;
    std::thread::spawn(move || {
        while provider.force_flush().iter().any(|r| r.is_err()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        drop(provider);
        let _ = done.send(());
    });
    if wait.recv_timeout(flags.shutdown_timeout).is_err() {
        eprintln!("peer-rust-story: shutdown did not finish in {:?}", flags.shutdown_timeout);
    }
    let exported = exported.load(Ordering::Relaxed);
    let errors = sdk_errors.load(Ordering::Relaxed);
    if errors > 0 {
        eprintln!(
            "peer-rust-story: {errors} errors reported by the SDK \
             (a full queue reports each span it drops and each flush request it refuses)"
        );
    }
    peer::print_result(created, exported, elapsed);
    // The runtime's threads may still hold the exporter: leave without waiting.
    std::process::exit(0);
}
