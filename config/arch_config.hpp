// Accelerator architecture: one plain config struct per unit, and one table
// that knows every parameter's key path, default, range and help. JSON files
// and --set key.path=value overrides go through the table, so unknown keys
// and out-of-range values are rejected with their key path, and the
// effective configuration can be written beside the results.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "numeric/quantizer.hpp"

namespace ssmsim {

enum class Dataflow { kOutputStationary, kWeightStationary };
// A GEMV mapping for few rows (decode): K across the array's rows, N across
// its columns, column adder trees (gemm.gemv = auto uses it where faster).
enum class GemvMapping { kAuto, kOff };
enum class Precision { kW8A8, kFp16 };
enum class MulticycleRegions { kFlagged, kLarge };  // which elements cost extra cycles
// Where the weights are read from: SRAM when all of them fit (auto), always
// SRAM (an error if they do not fit), or streamed from DRAM by every use.
enum class WeightPlacement { kAuto, kResident, kStream };
// Which prompt tokens the head (final norm, lm_head) runs on: the last one
// (what the first generated token needs), every one (scoring), or auto:
// every one when the run scores the model (--pipeline w8a8), else the last.
enum class HeadTokens { kAuto, kLast, kAll };

// The plain config structs of the units. Every field is one architecture
// key: its default, range, help text and source are declared once, in the
// key table of arch_config.cpp; ArchConfig's constructor applies the
// defaults (the zeros here are never seen).

struct GemmConfig {
  int64_t rows = 0;  // PE rows (R)
  int64_t cols = 0;  // PE columns (C)
  Dataflow dataflow = Dataflow::kOutputStationary;
  int64_t epilogue_cycles = 0;  // requantizing epilogue pipeline, per GEMM
  double fp16_rate = 0;         // FP16 MACs per PE and cycle relative to INT8
  int64_t prefetch_strips = 0;  // weight strips requested ahead of the one computing
  GemvMapping gemv = GemvMapping::kAuto;
};

struct QuantizerConfig {
  int64_t lanes = 0;                     // elements per cycle
  int64_t pipeline_depth = 0;            // cycles from first input to first output
  int64_t se_extra_latency = 0;          // stages the se code adds to an INT8 lane
  int64_t se_authors_extra_latency = 0;  // stages the se-authors grid adds
  quant::QuantKind mode = quant::QuantKind::kSe;
  bool multicycle = false;  // special elements cost extra cycles
  bool rtl = false;         // trace runs quantize through the verilated lane (rtl/)
  int64_t multicycle_extra_cycles = 0;
  MulticycleRegions multicycle_regions = MulticycleRegions::kFlagged;
  int64_t se_small_shift = 0, se_large_shift = 0, se_payload_bits = 0;
  quant::SoftEdgeParams se() const {
    return {static_cast<int>(se_small_shift), static_cast<int>(se_large_shift),
            static_cast<int>(se_payload_bits)};
  }
};

struct ScanConfig {
  int64_t lanes = 0;  // state updates (channel x state) per cycle
  int64_t softplus_latency = 0;
  int64_t exp_latency = 0;
  int64_t recurrence_latency = 0;  // h_t = a*h + b: one token after the last
  int64_t pipeline_depth = 0;      // C-reduction and D*u after the update
};

struct HadamardConfig {
  int64_t lanes = 0;  // butterflies (2 adders) per cycle
  int64_t pipeline_depth = 0;
  int64_t size = 0;  // transform block size; 0 = d_inner
};

struct VectorConfig {
  int64_t lanes = 0;  // element operations per cycle
  int64_t pipeline_depth = 0;
};

// The DRAM model: the analytic channel (bandwidth, latency, bursts) or
// DRAMSys (JEDEC timings, banks, rows, refresh, FR-FCFS controllers), and
// for DRAMSys the standard whose timings it uses (docs/dram.md).
enum class DramModel { kAnalytic, kDramsys };
enum class DramStandard { kLpddr4, kHbm2, kDdr4 };

struct DramConfig {
  DramModel model = DramModel::kAnalytic;
  DramStandard standard = DramStandard::kLpddr4;
  int64_t channels = 0;       // DRAMSys: independent channels (a power of two)
  double bandwidth_gbps = 0;  // GB/s = bytes per ns
  double latency_ns = 0;
  int64_t burst_bytes = 0;  // transfers are rounded up to whole bursts
  // Analytic: the share of the peak a long stream of reads (writes) gets,
  // measured with DRAMSys by `ssmsim dram-calibrate` (1 = the peak).
  double read_efficiency = 0, write_efficiency = 0;
};

struct SramConfig {
  int64_t bytes = 0;  // capacity
  int64_t ports = 0;
  int64_t port_bytes = 0;  // bytes per port per cycle
  int64_t latency_cycles = 0;
};

// Energy per access, in pJ (docs/energy.md gives the sources).
struct EnergyConfig {
  double mac_int8_pj = 0, mac_fp16_pj = 0, sram_byte_pj = 0, dram_byte_pj = 0;
  double quant_op_pj = 0;      // per element quantized
  double vector_op_pj = 0;     // per element and pass
  double scan_update_pj = 0;   // per state update
  double hadamard_op_pj = 0;   // per addition or subtraction
  double static_mw = 0;        // static power of the whole accelerator, over the run's latency
  double dram_channel_mw = 0;  // a DRAM channel's standby and refresh power, over the latency
  // The design-dependent part (docs/energy.md): leakage from the area,
  // SRAM access energy growing with its capacity, the soft-edge stage's
  // extra work per element.
  double leakage_mw_per_mm2 = 0;
  double sram_size_exponent = 0;         // per-byte energy ~ (capacity / 32 KiB)^exponent
  double quant_se_extra_pj = 0;          // se: per element, beside quant_op_pj
  double quant_se_authors_extra_pj = 0;  // se-authors: per element, beside quant_op_pj
};

// Area per unit from its parameters (docs/area.md): the coefficients are
// at 45 nm and scale to tech_nm by the rule in hw/area.hpp.
struct AreaConfig {
  double tech_nm = 0;
  double int8_mac_um2 = 0, fp16_mac_um2 = 0;  // one MAC of each kind
  double quant_lane_um2 = 0, se_lane_extra_um2 = 0, se_authors_lane_extra_um2 = 0;
  double scan_lane_um2 = 0, hadamard_lane_um2 = 0, vector_lane_um2 = 0;
  double sram_mm2_per_mib = 0;
};

struct ControllerConfig {
  int64_t tile_tokens = 0;       // tokens per tile streamed through the block
  int64_t activation_slots = 0;  // tile buffers; a tile waits for a free one
};

// Mapping choices: how the program uses the memories.
struct MappingConfig {
  WeightPlacement weights = WeightPlacement::kAuto;
  HeadTokens lm_head = HeadTokens::kAuto;
  int64_t ssd_chunk_tokens = 0;  // Mamba-2: the SSD's chunk; 0 = the model's chunk_size
};

struct ArchConfig {
  // The defaults of the key table, with their sources.
  ArchConfig();

  int64_t version = 1;
  std::string name;
  double clock_mhz = 0;
  // Weight/activation datapath: w8a8 (INT8 GEMMs, SSM-input quantizer,
  // Hadamard before out_proj) or fp16 (the unquantized baseline: FP16
  // weights and activations, no quantizer and no Hadamard stage).
  Precision precision = Precision::kW8A8;
  GemmConfig gemm;
  QuantizerConfig quantizer;
  ScanConfig scan;
  HadamardConfig hadamard;
  VectorConfig vector;
  DramConfig dram;
  SramConfig sram;
  ControllerConfig controller;
  MappingConfig mapping;
  EnergyConfig energy;
  AreaConfig area;
  // Where each number comes from: key path -> source (free text). Starts
  // with the built-in defaults' sources; a file or --set that changes a key
  // replaces its entry (with the file's own `sources` entry, or the file
  // name / "--set"), so no stale source describes a changed number.
  std::map<std::string, std::string> sources;

  bool fp16() const { return precision == Precision::kFp16; }
  // The SSM-input quantizer as views and timelines title it: its kind
  // ("se"), or "none, fp16" for the FP16 baseline, which has none.
  const char* quantizer_label() const {
    return fp16() ? "none, fp16" : quant::kind_name(quantizer.mode);
  }
  double clock_period_ns() const { return 1000.0 / clock_mhz; }

  // Loads a JSON file over the defaults; errors name the file and key path.
  void load_file(const std::string& path);
  // A built-in preset name (workloads/arch/NAME.json) or a file path.
  void load(const std::string& name_or_file);
  void load_json(const nlohmann::json& j, const std::string& where);
  // "key.path=value"; value is JSON (numbers, true/false) or a bare string.
  // `option` names where it came from in errors and sources (--set, --vary).
  void set(const std::string& assignment, const std::string& option = "--set");
  nlohmann::ordered_json to_json() const;
  // Text for --help: every key with its default and meaning.
  static std::string describe();
};

const char* dataflow_name(Dataflow d);
const char* dram_standard_name(DramStandard s);
const char* precision_name(Precision p);

}  // namespace ssmsim
