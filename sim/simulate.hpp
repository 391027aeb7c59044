// ssmsim run as a library function: elaborate the Controller and the
// Accelerator for a trace (real data) or a workload (timing only), simulate,
// and return what the run measured as plain data for the report.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <utility>
#include <vector>

#include "config/arch_config.hpp"
#include "config/workload.hpp"
#include "datapath/make_datapath.hpp"
#include "datapath/trace_datapath.hpp"
#include "hw/address_map.hpp"
#include "hw/controller.hpp"
#include "hw/dram.hpp"
#include "hw/sram.hpp"
#include "hw/unit_stats.hpp"
#include "mamba/scoring.hpp"
#include "mamba/w8a8_mamba2.hpp"
#include "sim/run_aggregate.hpp"

namespace ssmsim {

struct RunRequest {
  ArchConfig arch;
  std::optional<Workload> workload;  // timing only; or a trace:
  std::string trace;
  std::string model;    // its checkpoint ("": beside the trace, if there)
  bool decode = false;  // the trace's tokens as decode steps (else a prefill)
  int64_t tokens = 0;   // 0: the whole trace
  PipelineOptions pipeline;
  bool scheme_set = false;      // the scheme was chosen (an error on Mamba-1)
  bool allow_mismatch = false;  // a checkpoint whose logits differ from the trace's: warn only
  std::string vcd;              // waveform file ("": none)
  std::string vcd_window;       // "START_NS:END_NS" ("": the whole run)
  int64_t vcd_bandwidth_cycles = 1000;  // the memories' bandwidth signals: window, cycles
  std::string timeline;                 // Chrome/Perfetto trace-event file ("": none)
};

// run --pipeline w8a8: the model-output figures, as ssmsim eval reports them.
struct W8A8Result {
  // The SSM-input quantizer (Mamba-2: "kind/scheme", as eval labels it);
  // where the scales came from.
  std::string quantizer, scales;
  Score fp32, quantized;
  std::vector<std::string> tensors;          // per layer, as eval names them
  std::vector<quant::ErrorStats> layer_err;  // [layer * tensors + tensor]
};

struct RunResult {
  std::string trace, model_dir;  // trace "" for a workload run
  std::optional<Workload> workload;
  RunPlan plan;
  ModelDims dims;  // the model as run (Mamba-2: in mapping.ssd_chunk_tokens chunks)
  ArchConfig arch;
  RunAggregate ops;                         // every operation, aggregated in completion order
  std::array<uint64_t, 4> quant_regions{};  // elements per soft-edge region
  DramStats dram;
  DramStats dram_prefill;    // at the prefill's end (decode = dram - this)
  std::string dram_text;     // the DRAM model, in words
  double drampower_pj = -1;  // DRAMSys with DDR4: DRAMPower's energy (else < 0)
  double dram_peak_gbps = 0;
  SramStats sram;
  MemoryPlan memory;
  bool head_on_every_token = false;  // mapping.lm_head resolved
  // The clock period SystemC simulates (1000 / clock_mhz rounded to its
  // 1 ps resolution): every cycle figure is a time divided by it.
  double clock_period_ns = 1;
  sc_core::sc_time finish, prefill_end;
  sc_core::sc_time first_step_end;            // the end of decode's first step (none: zero)
  std::unique_ptr<TraceDatapath> trace_data;  // --pipeline trace on a trace, else nullptr
  std::optional<W8A8Result> w8a8;
  double wall_s = 0;
  double tile_search_wall_s = 0;  // choosing the tile (controller.tile_tokens = 0), before
  uint64_t process_switches = 0;  // SystemC thread switches the model asked for
};

// --vcd-window's START_NS:END_NS; an Error names what was expected.
std::pair<double, double> parse_vcd_window(const std::string& window);

// Checks the request (errors name the option, key, file or tensor) before
// anything runs, then simulates. One per process: SystemC elaborates once.
RunResult simulate(const RunRequest& r);

}  // namespace ssmsim
