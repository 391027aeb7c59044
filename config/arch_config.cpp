#include "config/arch_config.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "common/json_file.hpp"
#include "common/json_text.hpp"
#include "common/suggest.hpp"
#include "config/workload.hpp"

namespace ssmsim {

namespace {

using ojson = nlohmann::ordered_json;

// One architecture key, declared once: its path, help, default, the
// default's source, and how to read, check and write it. Parsing, --set,
// validation, --help-arch, the JSON echo and the default sources all come
// from this table.
struct Param {
  const char* path;
  const char* help;
  ojson default_value;
  std::string source;
  std::function<void(ArchConfig&, const nlohmann::json&, const std::string&)> set;
  std::function<ojson(const ArchConfig&)> get;
};

// A key's field, from a mutable config (get() reads through it too).
#define FIELD(member) \
  [](ArchConfig & c) -> auto& { return c.member; }

template <typename F>
ojson read(F field, const ArchConfig& c) {
  return ojson(field(const_cast<ArchConfig&>(c)));
}

template <typename F>
Param integer(const char* path, F field, int64_t def, int64_t lo, int64_t hi, const char* help,
              std::string source) {
  return {path,
          help,
          def,
          std::move(source),
          [=](ArchConfig& c, const nlohmann::json& v, const std::string& where) {
            if (!v.is_number_integer()) {
              throw Error(fmt::format("{}: {} = {}: expected an integer in [{}, {}]", where, path,
                                      json_text(v), lo, hi));
            }
            const auto x = v.get<int64_t>();
            if (x < lo || x > hi) {
              throw Error(fmt::format("{}: {} = {}: out of range, expected [{}, {}]", where, path,
                                      x, lo, hi));
            }
            field(c) = x;
          },
          [=](const ArchConfig& c) { return read(field, c); }};
}

// A real in an interval: `open_lo` excludes lo (a rate, a clock), else
// [lo, hi] (0 switches a latency or an energy term off).
template <typename F>
Param real(const char* path, F field, double def, bool open_lo, double lo, double hi,
           const char* help, std::string source) {
  return {path,
          help,
          def,
          std::move(source),
          [=](ArchConfig& c, const nlohmann::json& v, const std::string& where) {
            const std::string range = fmt::format("{}{}, {}]", open_lo ? "(" : "[", lo, hi);
            if (!v.is_number()) {
              throw Error(fmt::format("{}: {} = {}: expected a number in {}", where, path,
                                      json_text(v), range));
            }
            const auto x = v.get<double>();
            if (!((open_lo ? x > lo : x >= lo) && x <= hi)) {
              throw Error(fmt::format("{}: {} = {}: out of range, expected a number in {}", where,
                                      path, json_text(v), range));
            }
            field(c) = x;
          },
          [=](const ArchConfig& c) { return read(field, c); }};
}

template <typename F>
Param boolean(const char* path, F field, bool def, const char* help, std::string source) {
  return {path,
          help,
          def,
          std::move(source),
          [=](ArchConfig& c, const nlohmann::json& v, const std::string& where) {
            if (!v.is_boolean()) {
              throw Error(
                  fmt::format("{}: {} = {}: expected true or false", where, path, json_text(v)));
            }
            field(c) = v.get<bool>();
          },
          [=](const ArchConfig& c) { return read(field, c); }};
}

// A choice among names, stored as an enum.
template <typename E, typename F>
Param choice(const char* path, F field, const char* def,
             std::vector<std::pair<const char*, E>> names, const char* help, std::string source) {
  return {
      path,
      help,
      def,
      std::move(source),
      [=](ArchConfig& c, const nlohmann::json& v, const std::string& where) {
        std::string all;
        for (const auto& n : names) all += (all.empty() ? "" : " | ") + std::string(n.first);
        for (const auto& n : names) {
          if (v.is_string() && v.get<std::string>() == n.first) {
            field(c) = n.second;
            return;
          }
        }
        throw Error(fmt::format("{}: {} = {}: expected one of {}", where, path, json_text(v), all));
      },
      [=](const ArchConfig& c) {
        const E e = field(const_cast<ArchConfig&>(c));
        for (const auto& n : names) {
          if (n.second == e) return ojson(n.first);
        }
        return ojson(nullptr);
      }};
}

const std::vector<Param>& params() {
  const std::string our = "ssmsim default, our choice: ";
  // The analytic DRAM's numbers, measured with DRAMSys on this default.
  const std::string kCalibrated =
      "ssmsim dram-calibrate --arch default: DRAMSys 5.1, LPDDR4 8 x16 channels at 4000 MT/s, "
      "open page FR-FCFS, 64-byte interleave over channels and banks (docs/dram.md)";
  const std::string horowitz = "Horowitz, Computing's Energy Problem, ISSCC 2014 (45 nm): ";
  // The default's DRAM is LPDDR4 (dram.standard): its energy from a datasheet's currents.
  const std::string kIddSource =
      "tools/dram_energy.py on DRAMSys's MICRON_6Gb_LPDDR4-3200_32bit_A.json (Micron datasheet "
      "maximum currents, per x16 channel; docs/energy.md): ";
  // The quantizer lanes' synthesis (issue 17) and the 45 nm gate area that
  // turns its transistor estimate into um2.
  const char* kRtlSource =
      "Yosys 0.23 synthesis of rtl/quant_lane.v (scripts/rtl_cost.sh, docs/quantizer-rtl.md): ";
  const char* kNand2Source = "0.798 um2 (NanGate 45 nm open cell library, NAND2_X1)";
  static const std::vector<Param> table = {
      {"version", "config format version (1)", 1, "",
       [](ArchConfig&, const nlohmann::json& v, const std::string& where) {
         if (!v.is_number_integer() || v.get<int64_t>() != 1) {
           throw Error(where + ": version = " + json_text(v) + ": expected 1");
         }
       },
       [](const ArchConfig& c) { return ojson(c.version); }},
      {"name", "a name for this architecture (free text)", "default", "",
       [](ArchConfig& c, const nlohmann::json& v, const std::string& where) {
         if (!v.is_string())
           throw Error(where + ": name = " + json_text(v) + ": expected a string");
         c.name = v.get<std::string>();
       },
       [](const ArchConfig& c) { return ojson(c.name); }},
      real("clock_mhz", FIELD(clock_mhz), 1000.0, false, 1, 10000,
           "accelerator clock in MHz, [1, 10000] (slower clocks overflow simulated time)",
           our + "a round 1 GHz for a small edge accelerator"),
      choice<Precision>("precision", FIELD(precision), "w8a8",
                        {{"w8a8", Precision::kW8A8}, {"fp16", Precision::kFp16}},
                        "w8a8 (INT8 datapath, quantizer, Hadamard) | fp16 (baseline)",
                        "Quamba's W8A8 datapath; fp16 is the baseline it is compared with"),
      integer("gemm.rows", FIELD(gemm.rows), 32, 1, 4096, "systolic array rows (PE)",
              our + "32 x 32 INT8 PEs, SCALE-Sim's small-array class; see the edge and cloud "
                    "presets for sourced arrays"),
      integer("gemm.cols", FIELD(gemm.cols), 32, 1, 4096, "systolic array columns (PE)",
              our + "32 x 32 INT8 PEs, SCALE-Sim's small-array class"),
      choice<Dataflow>("gemm.dataflow", FIELD(gemm.dataflow), "os",
                       {{"os", Dataflow::kOutputStationary}, {"ws", Dataflow::kWeightStationary}},
                       "os (output stationary) | ws (weight stationary)",
                       our + "output stationary, SCALE-Sim's default dataflow"),
      integer("gemm.epilogue_cycles", FIELD(gemm.epilogue_cycles), 4, 0, 1000,
              "requantizing epilogue latency per GEMM (cycles)",
              our + "a 4-stage requantize (scale, round, saturate, pack)"),
      real("gemm.fp16_rate", FIELD(gemm.fp16_rate), 0.5, true, 0, 1,
           "FP16 MAC rate relative to INT8, (0, 1] (precision fp16)",
           "Ampere tensor cores run dense FP16 at half the dense INT8 rate (NVIDIA A100 "
           "whitepaper: 312 vs 624 TOPS)"),
      choice<GemvMapping>(
          "gemm.gemv", FIELD(gemm.gemv), "auto",
          {{"auto", GemvMapping::kAuto}, {"off", GemvMapping::kOff}},
          "auto: a GEMM of fewer rows than the array (decode) runs as a weight-stationary "
          "GEMV (K across rows, N across columns, column adder trees; a tile of R x C "
          "weights loads a row of C per cycle while its M input vectors stream) when that "
          "takes fewer cycles than gemm.dataflow | off",
          our + "weight-stationary GEMV as the TPU v1's weight FIFO loads its array "
                "(Jouppi et al., ISCA 2017); auto picks it per operation by shape"),
      integer("gemm.prefetch_strips", FIELD(gemm.prefetch_strips), 2, 1, 1024,
              "weight strips requested ahead of the one computing (the array's weight "
              "buffer holds this many + 1); the last ones of a GEMM running alone fetch "
              "the next GEMM's first strips",
              our + "2 ahead (triple buffering): the next strip's transfer starts before "
                    "the DRAM latency of the one after is due"),
      integer("quantizer.lanes", FIELD(quantizer.lanes), 32, 1, 65536,
              "quantizer elements per cycle", our + "one lane per array column"),
      integer("quantizer.pipeline_depth", FIELD(quantizer.pipeline_depth), 3, 0, 1000,
              "quantizer pipeline latency (cycles)", our + "scale, round, clamp: 3 stages"),
      integer("quantizer.se_extra_latency", FIELD(quantizer.se_extra_latency), 1, 0, 1000,
              "extra pipeline stages of a se lane over an INT8 one (cycles)",
              std::string(kRtlSource) +
                  "the INT8 lane's 102 gate levels in pipeline_depth 3 stages are 34 a stage; "
                  "se's 106 need 4"),
      integer("quantizer.se_authors_extra_latency", FIELD(quantizer.se_authors_extra_latency), 2, 0,
              1000, "extra pipeline stages of a se-authors lane over an INT8 one (cycles)",
              std::string(kRtlSource) + "163 gate levels at 34 a stage need 5 stages, 2 more"),
      choice<quant::QuantKind>("quantizer.mode", FIELD(quantizer.mode), "se",
                               {{"int8", quant::QuantKind::kInt8},
                                {"se", quant::QuantKind::kSe},
                                {"se-authors", quant::QuantKind::kSeAuthors}},
                               "SSM-input quantizer",
                               "Quamba-SE: the soft-edge SSM-input quantizer"),
      boolean("quantizer.multicycle", FIELD(quantizer.multicycle), false,
              "special elements cost extra cycles instead of a wider datapath",
              our + "pipelined (a wider datapath), multicycle is the what-if"),
      boolean("quantizer.rtl", FIELD(quantizer.rtl), false,
              "trace runs quantize the SSM input through the verilated RTL lane "
              "(rtl/quant_lane.v; int8, se and se-authors), not the C++ codec: the results are the "
              "same",
              our + "the C++ codec (fast); the RTL is the cross-check"),
      integer("quantizer.multicycle_extra_cycles", FIELD(quantizer.multicycle_extra_cycles), 1, 0,
              1000, "extra cycles per special element (multicycle)",
              our + "one more cycle per special element"),
      choice<MulticycleRegions>(
          "quantizer.multicycle_regions", FIELD(quantizer.multicycle_regions), "flagged",
          {{"flagged", MulticycleRegions::kFlagged}, {"large", MulticycleRegions::kLarge}},
          "special elements: flagged (SE flag 1: small and large) | large",
          our + "every flagged element is special"),
      integer("quantizer.se_small_shift", FIELD(quantizer.se_small_shift), 2, 0, 8,
              "soft-edge small step s/2^shift", "Quamba-SE: small step s/4 (spec/quantizers.md)"),
      integer("quantizer.se_large_shift", FIELD(quantizer.se_large_shift), 2, 0, 8,
              "soft-edge large step s*2^shift", "Quamba-SE: large step 4s (spec/quantizers.md)"),
      integer("quantizer.se_payload_bits", FIELD(quantizer.se_payload_bits), 6, 1, 6,
              "soft-edge payload bits",
              "Quamba-SE: 8 bits + flag, 6-bit payload (spec/quantizers.md)"),
      integer("scan.lanes", FIELD(scan.lanes), 64, 1, 1 << 20, "state updates per cycle",
              our + "64 state updates per cycle (4 channels x 16 states)"),
      integer("scan.softplus_latency", FIELD(scan.softplus_latency), 8, 0, 1000,
              "softplus(dt) latency (cycles)", our + "an 8-stage softplus (exp, log1p) pipeline"),
      integer("scan.exp_latency", FIELD(scan.exp_latency), 8, 0, 1000,
              "exp(delta*A) latency (cycles)", our + "an 8-stage exponential pipeline"),
      integer("scan.recurrence_latency", FIELD(scan.recurrence_latency), 4, 1, 1000,
              "h = a*h + b loop latency: minimum cycles per token",
              our + "a 4-cycle FP32 multiply-add loop"),
      integer("scan.pipeline_depth", FIELD(scan.pipeline_depth), 4, 0, 1000,
              "output reduction latency (cycles)", our + "a 4-stage C-reduction and D*u"),
      integer("hadamard.lanes", FIELD(hadamard.lanes), 32, 1, 65536, "butterflies per cycle",
              our + "one butterfly per array column"),
      integer("hadamard.pipeline_depth", FIELD(hadamard.pipeline_depth), 4, 0, 1000,
              "Hadamard pipeline latency (cycles)", our + "4 stages"),
      integer("hadamard.size", FIELD(hadamard.size), 0, 0, 1 << 20,
              "transform size: 2^k, 12*2^k or 40*2^k dividing d_inner; 0 = d_inner",
              "Quamba: one transform over d_inner (0)"),
      integer("vector.lanes", FIELD(vector.lanes), 32, 1, 65536, "vector operations per cycle",
              our + "one lane per array column"),
      integer("vector.pipeline_depth", FIELD(vector.pipeline_depth), 4, 0, 1000,
              "vector pipeline latency per operation (cycles)", our + "4 stages"),
      choice<DramModel>("dram.model", FIELD(dram.model), "analytic",
                        {{"analytic", DramModel::kAnalytic}, {"dramsys", DramModel::kDramsys}},
                        "analytic (bandwidth, latency, bursts) | dramsys (DRAMSys 5.1: JEDEC "
                        "timings, banks, rows, refresh; builds with SSMSIM_DRAMSYS=ON)",
                        our + "analytic: fast enough for sweeps"),
      choice<DramStandard>(
          "dram.standard",
          FIELD(dram.standard), "lpddr4",
          {{"lpddr4", DramStandard::kLpddr4},
           {"hbm2", DramStandard::kHbm2},
           {"ddr4", DramStandard::kDdr4}},
          "dramsys: the JEDEC standard whose devices and timings it simulates; the data "
          "rate follows from dram.bandwidth_gbps and dram.channels (docs/dram.md)",
          our + "LPDDR4, the open standard closest to the LPDDR5 of edge parts"),
      integer("dram.channels", FIELD(dram.channels), 8, 1, 64,
              "dramsys: independent channels, a power of two (LPDDR4: 16 bit, HBM2: 128 bit "
              "as two pseudo-channels, DDR4: a 64-bit DIMM each)",
              our + "8 LPDDR4 x16 channels: a 128-bit bus, as Orin Nano's"),
      real("dram.bandwidth_gbps", FIELD(dram.bandwidth_gbps), 64.0, false, 0.001, 1e6,
           "DRAM bandwidth in GB/s, [0.001, 1e6] (less overflows simulated time)",
           our + "64 GB/s, the LPDDR5 edge class (Orin Nano 8G: 68 GB/s)"),
      real("dram.latency_ns", FIELD(dram.latency_ns), 65.2, false, 0, 1e6,
           "analytic: DRAM access latency in ns beyond the transfer, [0, 1e6]", kCalibrated),
      integer("dram.burst_bytes", FIELD(dram.burst_bytes), 64, 1, 1 << 20,
              "DRAM burst size in bytes", our + "64-byte bursts (LPDDR5/DDR5 BL16 x 32 bit)"),
      real("dram.read_efficiency", FIELD(dram.read_efficiency), 0.889, true, 0, 1,
           "analytic: share of the peak a stream of reads gets, (0, 1] (ssmsim dram-calibrate "
           "measures it with DRAMSys)",
           kCalibrated),
      real("dram.write_efficiency", FIELD(dram.write_efficiency), 0.880, true, 0, 1,
           "analytic: share of the peak a stream of writes gets, (0, 1]", kCalibrated),
      integer("sram.bytes", FIELD(sram.bytes), 2 << 20, 1024, int64_t(1) << 40,
              "on-chip SRAM capacity in bytes",
              our + "2 MiB: one 64-token tile of the bundled model, twice, plus state"),
      integer("sram.ports", FIELD(sram.ports), 4, 1, 1024, "SRAM ports",
              our + "4 ports of 64 B per cycle (256 B/cycle)"),
      integer("sram.port_bytes", FIELD(sram.port_bytes), 64, 1, 1 << 16, "bytes per port per cycle",
              our + "see sram.ports"),
      integer("sram.latency_cycles", FIELD(sram.latency_cycles), 2, 0, 1000,
              "SRAM access latency (cycles)", our + "2 cycles for a banked SRAM"),
      integer("controller.tile_tokens", FIELD(controller.tile_tokens), 64, 0, 1 << 20,
              "tokens per prefill tile streamed through the block; 0 = auto: the fastest of "
              "the candidate tiles (powers of two from 8, the whole prompt), each simulated "
              "(docs/timing.md)",
              our + "64 tokens per prefill tile: tiles overlap on the units"),
      integer("controller.activation_slots", FIELD(controller.activation_slots), 2, 1, 64,
              "tile activation buffers: a prefill tile starts when one is free",
              our + "2: double buffering (one tile computes while the next starts)"),
      choice<WeightPlacement>(
          "mapping.weights", FIELD(mapping.weights), "auto",
          {{"auto", WeightPlacement::kAuto},
           {"resident", WeightPlacement::kResident},
           {"stream", WeightPlacement::kStream}},
          "auto (in SRAM when all fit beside the activations and state, else streamed) | "
          "resident | stream (from DRAM at every use)",
          our + "weights that fit stay on chip, read from DRAM once"),
      choice<HeadTokens>(
          "mapping.lm_head", FIELD(mapping.lm_head), "auto",
          {{"auto", HeadTokens::kAuto}, {"last", HeadTokens::kLast}, {"all", HeadTokens::kAll}},
          "prompt tokens the head runs on: last | all | auto (all when the run "
          "scores the model, --pipeline w8a8; else last)",
          our + "the first generated token needs only the last prompt token's "
                "logits"),
      integer("mapping.ssd_chunk_tokens", FIELD(mapping.ssd_chunk_tokens), 0, 0, 1 << 16,
              "Mamba-2: tokens per SSD chunk (at most the tile; the result does not depend "
              "on it, the work does: docs/ssd.md); 0 = the model's chunk_size",
              our + "the model's chunk_size, as mamba_ssm runs it"),
      real("energy.mac_int8_pj", FIELD(energy.mac_int8_pj), 0.3, false, 0, 1e6,
           "pJ per INT8 multiply-accumulate", horowitz + "8-bit multiply 0.2 + 32-bit add 0.1 pJ"),
      real("energy.mac_fp16_pj", FIELD(energy.mac_fp16_pj), 2.0, false, 0, 1e6,
           "pJ per FP16 multiply-accumulate (precision fp16)",
           horowitz + "FP16 multiply 1.1 + FP32 add 0.9 pJ"),
      real("energy.sram_byte_pj", FIELD(energy.sram_byte_pj), 2.5, false, 0, 1e6,
           "pJ per SRAM byte read or written",
           horowitz + "64-bit read of a 32 KB SRAM 20 pJ / 8 bytes"),
      real("energy.dram_byte_pj", FIELD(energy.dram_byte_pj), 68.35, false, 0, 1e6,
           "pJ per DRAM byte read or written",
           kIddSource + "a read stream, (IDD4R - IDD3N) x V of each rail (VDD2 275 - 30 mA at "
                        "1.1 V, VDDQ 150 mA at 1.1 V) over a x16 channel's 6.4 GB/s, plus one "
                        "activation (1205 pJ) per 2048-byte row"),
      real("energy.dram_channel_mw", FIELD(energy.dram_channel_mw), 43.61, false, 0, 1e6,
           "DRAM standby and refresh power per channel (mW, x dram.channels), charged over "
           "the run's latency",
           kIddSource + "active standby IDD3N x V (VDD1 2.25 mA at 1.8 V, VDD2 30 mA and VDDQ "
                        "0.75 mA at 1.1 V) + refresh (IDD5 - IDD3N) x V for tRFCab of every "
                        "tREFIab (448 of 6246 cycles)"),
      real("energy.quant_op_pj", FIELD(energy.quant_op_pj), 1.2, false, 0, 1e6,
           "pJ per element quantized",
           horowitz + "FP16 multiply 1.1 pJ + three 8-bit operations 0.1 pJ"),
      real("energy.vector_op_pj", FIELD(energy.vector_op_pj), 1.5, false, 0, 1e6,
           "pJ per vector-unit element operation",
           horowitz + "FP16 multiply 1.1 + FP16 add 0.4 pJ"),
      real("energy.scan_update_pj", FIELD(energy.scan_update_pj), 16.6, false, 0, 1e6,
           "pJ per SSM state update (channel x state x token)",
           horowitz + "2 FP32 multiply-adds (4.6 pJ each) + 2 FP32 multiplies (3.7 pJ each); exp "
                      "not counted"),
      real("energy.hadamard_op_pj", FIELD(energy.hadamard_op_pj), 0.4, false, 0, 1e6,
           "pJ per Hadamard addition/subtraction", horowitz + "FP16 add 0.4 pJ"),
      real("energy.static_mw", FIELD(energy.static_mw), 0.0, false, 0, 1e9,
           "static power in mW beside the leakage of the area, charged over the run's latency",
           "0: the area's leakage (energy.leakage_mw_per_mm2) is the static power"),
      real("energy.leakage_mw_per_mm2", FIELD(energy.leakage_mw_per_mm2), 23.56, false, 0, 1e6,
           "leakage power per mm2 of the area model, charged over the run's latency",
           "NanGate 45 nm open cell library (NangateOpenCellLibrary_typical.lib, as in "
           "OpenROAD's test/Nangate45), typical corner (25 C, 1.1 V): AND2_X1 leaks "
           "25.066 nW in 1.064 um2 = 23.56 mW/mm2 (the library of the quantizer's NAND2 area; "
           "SRAM arrays of high-threshold cells leak less)"),
      real("energy.sram_size_exponent", FIELD(energy.sram_size_exponent), 0.464, false, 0, 2,
           "SRAM energy per byte = energy.sram_byte_pj x (sram.bytes / 32 KiB)^exponent",
           horowitz + "64-bit reads of 20 pJ (32 KB) and 100 pJ (1 MB): 5x for 32x the "
                      "capacity, exponent ln 5 / ln 32"),
      real("energy.quant_se_extra_pj", FIELD(energy.quant_se_extra_pj), 0.0859, false, 0, 1e6,
           "pJ per element a se lane adds to energy.quant_op_pj",
           std::string(kRtlSource) +
               "energy.quant_op_pj 1.2 x the se lane's extra transistors over the int8 lane's, "
               "2382 / 33270 (switched capacitance in proportion to the logic)"),
      real("energy.quant_se_authors_extra_pj", FIELD(energy.quant_se_authors_extra_pj), 2.5693,
           false, 0, 1e6, "pJ per element a se-authors lane adds to energy.quant_op_pj",
           std::string(kRtlSource) +
               "energy.quant_op_pj 1.2 x the se-authors lane's extra transistors over the int8 "
               "lane's, 71234 / 33270 (switched capacitance in proportion to the logic)"),
      real("area.tech_nm", FIELD(area.tech_nm), 45.0, false, 3, 250,
           "process node (nm): area coefficients scale by (tech_nm / 45)^2, on-chip energies by "
           "tech_nm / 45 (docs/area.md)",
           horowitz + "the node of the area and energy coefficients"),
      real("area.int8_mac_um2", FIELD(area.int8_mac_um2), 419.0, false, 0, 1e9,
           "um2 per INT8 MAC (at 45 nm)", horowitz + "8-bit multiply 282 + 32-bit add 137 um2"),
      real("area.fp16_mac_um2", FIELD(area.fp16_mac_um2), 5824.0, false, 0, 1e9,
           "um2 per FP16 MAC (at 45 nm); a PE holds gemm.fp16_rate of one",
           horowitz + "FP16 multiply 1640 + FP32 add 4184 um2"),
      real("area.quant_lane_um2", FIELD(area.quant_lane_um2), 6637.365, false, 0, 1e9,
           "um2 per INT8 quantizer lane (at 45 nm)",
           std::string(kRtlSource) +
               "the int8 lane's 33270 transistors / 4 = NAND2 equivalents x " + kNand2Source),
      real("area.se_lane_extra_um2", FIELD(area.se_lane_extra_um2), 475.209, false, 0, 1e9,
           "um2 a se lane adds to an INT8 lane (at 45 nm)",
           std::string(kRtlSource) + "se 35652 - int8 33270 transistors, / 4 x " + kNand2Source),
      real("area.se_authors_lane_extra_um2", FIELD(area.se_authors_lane_extra_um2), 14211.183,
           false, 0, 1e9, "um2 a se-authors lane adds to an INT8 lane (at 45 nm)",
           std::string(kRtlSource) + "se-authors 104504 - int8 33270 transistors, / 4 x " +
               kNand2Source),
      real("area.scan_lane_um2", FIELD(area.scan_lane_um2), 39168.0, false, 0, 1e9,
           "um2 per scan lane (one state update per cycle, at 45 nm)",
           horowitz + "4 FP32 multiplies (7700 um2) + 2 FP32 adds (4184 um2), the update the "
                      "energy table counts; exp and softplus units not counted"),
      real("area.hadamard_lane_um2", FIELD(area.hadamard_lane_um2), 2720.0, false, 0, 1e9,
           "um2 per Hadamard butterfly (at 45 nm)", horowitz + "2 FP16 adds (1360 um2)"),
      real("area.vector_lane_um2", FIELD(area.vector_lane_um2), 3000.0, false, 0, 1e9,
           "um2 per vector lane (at 45 nm)", horowitz + "FP16 multiply 1640 + FP16 add 1360 um2"),
      real("area.sram_mm2_per_mib", FIELD(area.sram_mm2_per_mib), 6.5, false, 0, 1e6,
           "mm2 per MiB of SRAM, periphery included (at 45 nm)",
           "Intel's 45 nm SRAM test chip: 153 Mbit in 119 mm2 (0.346 um2 cell; Mistry et al., "
           "IEDM 2007), 0.78 mm2/Mbit"),
  };
  return table;
}

#undef FIELD

std::vector<std::string> key_paths() {
  std::vector<std::string> out;
  for (const auto& p : params()) out.push_back(p.path);
  return out;
}

const Param* find_param(const std::string& path) {
  for (const auto& p : params()) {
    if (path == p.path) return &p;
  }
  return nullptr;
}

// "sources": {"key.path": "where the number comes from"}: only known keys,
// so a source cannot silently describe a parameter that does not exist.
void apply_sources(ArchConfig& c, const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": sources must be a JSON object of key path -> text");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!find_param(it.key())) {
      throw Error(where + ": sources: unknown key '" + it.key() +
                  "' (ssmsim run --help-arch lists the keys)");
    }
    if (!it.value().is_string()) {
      throw Error(where + ": sources." + it.key() + " = " + json_text(it.value()) +
                  ": expected a string");
    }
    c.sources[it.key()] = it.value().get<std::string>();
  }
}

void apply(ArchConfig& c, const nlohmann::json& j, const std::string& prefix,
           const std::string& where) {
  if (!j.is_object()) {
    throw Error(where + ": " + (prefix.empty() ? std::string("the config") : prefix) +
                " must be a JSON object");
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (path == "sources") {
      continue;  // applied after the values, so that they win
    } else if (const Param* p = find_param(path)) {
      const nlohmann::ordered_json before = p->get(c);
      p->set(c, it.value(), where);
      // A changed number no longer comes from the default's source; the
      // file's own sources entry, applied after the values, wins.
      if (p->get(c) != before) c.sources[path] = "set by " + where;
    } else if (it.value().is_object()) {
      bool known_group = false;
      for (const auto& q : params()) {
        if (std::string(q.path).rfind(path + ".", 0) == 0) known_group = true;
      }
      if (!known_group) throw Error(where + ": unknown key '" + path + "'");
      apply(c, it.value(), path, where);
    } else {
      throw Error(where + ": unknown key '" + path + "'" + did_you_mean(path, key_paths()) +
                  " (ssmsim run --help-arch lists the keys)");
    }
  }
}

}  // namespace

const char* dataflow_name(Dataflow d) { return d == Dataflow::kOutputStationary ? "os" : "ws"; }
const char* dram_standard_name(DramStandard s) {
  return s == DramStandard::kHbm2 ? "HBM2" : s == DramStandard::kDdr4 ? "DDR4" : "LPDDR4";
}
const char* precision_name(Precision p) { return p == Precision::kFp16 ? "fp16" : "w8a8"; }

void ArchConfig::load_file(const std::string& path) {
  const nlohmann::json j = read_json_file(path);
  // Every key first, on a copy: a file that misspells a key and lacks
  // "version" hears about the typo, the error that says what to fix.
  ArchConfig checked = *this;
  checked.load_json(j, path);
  if (!j.is_object() || !j.contains("version")) {
    throw Error(path + ": missing key 'version' (expected \"version\": 1)");
  }
  *this = std::move(checked);
}

void ArchConfig::load(const std::string& arg) {
  if (names_a_file(arg)) {
    load_file(arg);
    return;
  }
  const Preset* p = find_preset("arch", arg);
  if (!p) {
    throw Error("--arch " + arg + ": no such preset (presets: " + preset_names("arch") +
                "; or give a .json file)");
  }
  load_json(nlohmann::json::parse(p->text), "preset arch '" + arg + "'");
}

void ArchConfig::load_json(const nlohmann::json& j, const std::string& where) {
  apply(*this, j, "", where);
  if (j.is_object() && j.contains("sources")) apply_sources(*this, j["sources"], where);
}

ArchConfig::ArchConfig() {
  for (const auto& p : params()) {
    p.set(*this, p.default_value, "default");
    if (!p.source.empty()) sources[p.path] = p.source;
  }
}

void ArchConfig::set(const std::string& assignment, const std::string& option) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw Error(option + " " + assignment + ": expected key.path=value");
  }
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  const Param* p = find_param(key);
  if (!p) {
    throw Error(option + ": unknown key '" + key + "'" + did_you_mean(key, key_paths()) +
                " (ssmsim run --help-arch lists the keys)");
  }
  nlohmann::json v;
  try {
    v = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    v = text;  // bare strings: --set gemm.dataflow=ws
  }
  const nlohmann::ordered_json before = p->get(*this);
  p->set(*this, v, option);
  if (p->get(*this) != before) sources[key] = option + " on the command line";
}

nlohmann::ordered_json ArchConfig::to_json() const {
  nlohmann::ordered_json j;
  for (const auto& p : params()) {
    const std::string path = p.path;
    nlohmann::ordered_json* node = &j;
    size_t start = 0;
    for (size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', start)) {
      node = &(*node)[path.substr(start, dot - start)];
      start = dot + 1;
    }
    (*node)[path.substr(start)] = p.get(*this);
  }
  if (!sources.empty()) {
    nlohmann::ordered_json src;
    for (const auto& [k, v] : sources) src[k] = v;
    j["sources"] = src;
  }
  return j;
}

std::string ArchConfig::describe() {
  const ArchConfig def;
  std::string out = "Architecture keys (JSON file via --arch, or --set key.path=value):\n";
  for (const auto& p : params()) {
    out += fmt::format("  {:<34} {:<10} {}\n", p.path, json_text(p.get(def)), p.help);
    if (!p.source.empty()) out += fmt::format("  {:<45} source: {}\n", "", p.source);
  }
  return out;
}

}  // namespace ssmsim
