// Batch processing, the public face of sdk/batch_span_processor.h: the
// options of the default pipeline (OTEL_BSP_* in the specification) and a
// factory for the processor that applies them. The processor's own header,
// with its ring buffer, stays inside the build.
#pragma once

#include <cstddef>
#include <memory>

#include "absl/time/time.h"
#include "qtrace/sdk/pipeline_metrics.h"
#include "qtrace/sdk/span_processor.h"

namespace qtrace {

struct BatchOptions {
  std::size_t max_queue_size = 2048;
  std::size_t max_export_batch_size = 512;
  absl::Duration schedule_delay = absl::Milliseconds(5000);
};

// The options the processor runs with: a batch size of 0 and a delay of 0
// would make the exporter thread spin, so they become 1 and 1 ms; the batch
// never exceeds the queue.
BatchOptions EffectiveBatchOptions(BatchOptions options);

// A BatchSpanProcessor: OnEnd puts the record in a bounded lock-free queue and
// returns; one exporter thread of its own exports batches through exporter.
// A full queue drops the span and counts it in metrics (null: a private set).
std::unique_ptr<SpanProcessor> MakeBatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchOptions options,
                                                      std::shared_ptr<PipelineMetrics> metrics = nullptr);

}  // namespace qtrace
