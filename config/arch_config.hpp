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

namespace ssmsim {

enum class Dataflow { kOutputStationary, kWeightStationary };

struct GemmConfig {
  int64_t rows = 32;  // PE rows (R)
  int64_t cols = 32;  // PE columns (C)
  Dataflow dataflow = Dataflow::kOutputStationary;
  int64_t epilogue_cycles = 4;  // requantizing epilogue pipeline, per GEMM
  // FP16 MACs per PE and cycle relative to INT8 (precision fp16). Tensor
  // cores of the Orin/Ampere class run dense FP16 at half the INT8 rate.
  double fp16_rate = 0.5;
};

struct QuantizerConfig {
  int64_t lanes = 32;            // elements per cycle
  int64_t pipeline_depth = 3;    // cycles from first input to first output
  int64_t se_extra_latency = 2;  // SE classification stages (se, se-authors)
  std::string mode = "se";       // int8 | se | se-authors
  bool multicycle = false;       // special elements cost extra cycles
  int64_t multicycle_extra_cycles = 1;
  std::string multicycle_regions = "flagged";  // flagged (SE flag 1) | large
  int64_t se_small_shift = 2, se_large_shift = 2, se_payload_bits = 6;
};

struct ScanConfig {
  int64_t lanes = 64;  // state updates (channel x state) per cycle
  int64_t softplus_latency = 8;
  int64_t exp_latency = 8;
  int64_t recurrence_latency = 4;  // h_t = a*h + b: one token after the last
  int64_t pipeline_depth = 4;      // C-reduction and D*u after the update
};

struct HadamardConfig {
  int64_t lanes = 32;  // butterflies (2 adders) per cycle
  int64_t pipeline_depth = 4;
  int64_t size = 0;  // transform block size; 0 = d_inner
};

struct VectorConfig {
  int64_t lanes = 32;  // element operations per cycle
  int64_t pipeline_depth = 4;
};

struct DramConfig {
  double bandwidth_gbps = 64.0;  // GB/s = bytes per ns
  double latency_ns = 100.0;
  int64_t burst_bytes = 64;  // transfers are rounded up to whole bursts
};

struct SramConfig {
  int64_t bytes = 2 << 20;  // capacity
  int64_t ports = 4;
  int64_t port_bytes = 64;  // bytes per port per cycle
  int64_t latency_cycles = 2;
};

// Energy per access, in pJ (docs/energy.md gives the sources).
struct EnergyConfig {
  // Defaults: Horowitz, "Computing's energy problem", ISSCC 2014 (45 nm);
  // docs/energy.md derives each one.
  double mac_int8_pj = 0.3;      // 8-bit multiply 0.2 + 32-bit add 0.1
  double mac_fp16_pj = 2.0;      // FP16 multiply 1.1 + FP32 add 0.9
  double sram_byte_pj = 2.5;     // 64-bit read of a 32 KB bank: 20 pJ / 8 bytes
  double dram_byte_pj = 162.5;   // DRAM: 1.3 nJ per 64-bit access / 8 bytes
  double quant_op_pj = 1.2;      // per element: FP16 multiply by 1/s 1.1 + 3 8-bit ops
  double vector_op_pj = 1.5;     // per element and pass: FP16 multiply 1.1 + add 0.4
  double scan_update_pj = 16.6;  // per state update: 2 FP32 multiply-adds + 2 FP32 multiplies
  double hadamard_op_pj = 0.4;   // per addition or subtraction: one FP16 add
  // Static (leakage, clock tree) power of the whole accelerator, charged over
  // the run's latency. 0 by default: it depends on the process and the
  // floorplan, which no table gives; set it for latency/energy trade-offs.
  double static_mw = 0.0;
};

struct ControllerConfig {
  int64_t tile_tokens = 64;  // tokens per tile streamed through the block
};

struct ArchConfig {
  int64_t version = 1;
  std::string name = "default";
  double clock_mhz = 1000.0;
  // Weight/activation datapath: w8a8 (INT8 GEMMs, SSM-input quantizer,
  // Hadamard before out_proj) or fp16 (the unquantized baseline: FP16
  // weights and activations, no quantizer and no Hadamard stage).
  std::string precision = "w8a8";
  GemmConfig gemm;
  QuantizerConfig quantizer;
  ScanConfig scan;
  HadamardConfig hadamard;
  VectorConfig vector;
  DramConfig dram;
  SramConfig sram;
  ControllerConfig controller;
  EnergyConfig energy;
  // Where each number comes from: key path -> source (free text). Starts
  // with the built-in defaults' sources; a file or --set that changes a key
  // replaces its entry (with the file's own `sources` entry, or the file
  // name / "--set"), so no stale source describes a changed number.
  std::map<std::string, std::string> sources = default_sources();
  static std::map<std::string, std::string> default_sources();

  bool fp16() const { return precision == "fp16"; }
  double clock_period_ns() const { return 1000.0 / clock_mhz; }

  // Loads a JSON file over the defaults; errors name the file and key path.
  void load_file(const std::string& path);
  // A built-in preset name (workloads/arch/NAME.json) or a file path.
  void load(const std::string& name_or_file);
  void load_json(const nlohmann::json& j, const std::string& where);
  // "key.path=value"; value is JSON (numbers, true/false) or a bare string.
  void set(const std::string& assignment);
  nlohmann::ordered_json to_json() const;
  // Text for --help: every key with its default and meaning.
  static std::string describe();
};

const char* dataflow_name(Dataflow d);

}  // namespace ssmsim
