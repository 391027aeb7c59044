#include "config/arch_config.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "common/json_file.hpp"
#include "common/json_text.hpp"
#include "config/workload.hpp"

namespace ssmsim {

namespace {

// One parameter: how to read, write and check it.
struct Param {
  const char* path;
  const char* help;
  std::function<void(ArchConfig&, const nlohmann::json&, const std::string&)> set;
  std::function<nlohmann::ordered_json(const ArchConfig&)> get;
};

template <typename T>
Param int_param(const char* path, T ArchConfig::*unit, int64_t T::*field, int64_t lo, int64_t hi,
                const char* help) {
  return {path, help,
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
            c.*unit.*field = x;
          },
          [=](const ArchConfig& c) { return nlohmann::ordered_json(c.*unit.*field); }};
}

template <typename T>
Param real_param(const char* path, T ArchConfig::*unit, double T::*field, double lo, double hi,
                 const char* help) {
  return {path, help,
          [=](ArchConfig& c, const nlohmann::json& v, const std::string& where) {
            if (!v.is_number()) {
              throw Error(fmt::format("{}: {} = {}: expected a number in ({}, {}]", where, path,
                                      json_text(v), lo, hi));
            }
            const auto x = v.get<double>();
            if (!(x > lo && x <= hi)) {
              throw Error(fmt::format("{}: {} = {}: out of range, expected ({}, {}]", where, path,
                                      x, lo, hi));
            }
            c.*unit.*field = x;
          },
          [=](const ArchConfig& c) { return nlohmann::ordered_json(c.*unit.*field); }};
}

// Non-negative reals (energies): 0 switches a term off.
template <typename T>
Param nonneg_param(const char* path, T ArchConfig::*unit, double T::*field, double hi,
                   const char* help) {
  return {path, help,
          [=](ArchConfig& c, const nlohmann::json& v, const std::string& where) {
            if (!v.is_number() || !(v.get<double>() >= 0 && v.get<double>() <= hi)) {
              throw Error(fmt::format("{}: {} = {}: out of range, expected a number in [0, {}]",
                                      where, path, json_text(v), hi));
            }
            c.*unit.*field = v.get<double>();
          },
          [=](const ArchConfig& c) { return nlohmann::ordered_json(c.*unit.*field); }};
}

template <typename T>
Param choice_param(const char* path, T ArchConfig::*unit, std::string T::*field,
                   std::vector<std::string> choices, const char* help) {
  return {
      path, help,
      [=](ArchConfig& c, const nlohmann::json& v, const std::string& where) {
        std::string all;
        for (const auto& ch : choices) all += (all.empty() ? "" : " | ") + ch;
        if (!v.is_string()) {
          throw Error(
              fmt::format("{}: {} = {}: expected one of {}", where, path, json_text(v), all));
        }
        for (const auto& ch : choices) {
          if (v.get<std::string>() == ch) {
            c.*unit.*field = ch;
            return;
          }
        }
        throw Error(fmt::format("{}: {} = {}: expected one of {}", where, path, json_text(v), all));
      },
      [=](const ArchConfig& c) { return nlohmann::ordered_json(c.*unit.*field); }};
}

template <typename T>
Param bool_param(const char* path, T ArchConfig::*unit, bool T::*field, const char* help) {
  return {path, help,
          [=](ArchConfig& c, const nlohmann::json& v, const std::string& where) {
            if (!v.is_boolean()) {
              throw Error(
                  fmt::format("{}: {} = {}: expected true or false", where, path, json_text(v)));
            }
            c.*unit.*field = v.get<bool>();
          },
          [=](const ArchConfig& c) { return nlohmann::ordered_json(c.*unit.*field); }};
}

const std::vector<Param>& params() {
  using A = ArchConfig;
  static const std::vector<Param> table = [] {
    std::vector<Param> p;
    p.push_back({"version", "config format version (1)",
                 [](A&, const nlohmann::json& v, const std::string& where) {
                   if (!v.is_number_integer() || v.get<int64_t>() != 1) {
                     throw Error(where + ": version = " + json_text(v) + ": expected 1");
                   }
                 },
                 [](const A& c) { return nlohmann::ordered_json(c.version); }});
    p.push_back({"name", "a name for this architecture (free text)",
                 [](A& c, const nlohmann::json& v, const std::string& where) {
                   if (!v.is_string())
                     throw Error(where + ": name = " + json_text(v) + ": expected a string");
                   c.name = v.get<std::string>();
                 },
                 [](const A& c) { return nlohmann::ordered_json(c.name); }});
    p.push_back({"clock_mhz", "accelerator clock in MHz, (0, 10000]",
                 [](A& c, const nlohmann::json& v, const std::string& where) {
                   if (!v.is_number() || !(v.get<double>() > 0) || v.get<double>() > 10000) {
                     throw Error(where + ": clock_mhz = " + json_text(v) +
                                 ": out of range, expected a number in (0, 10000]");
                   }
                   c.clock_mhz = v.get<double>();
                 },
                 [](const A& c) { return nlohmann::ordered_json(c.clock_mhz); }});
    p.push_back({"precision", "w8a8 (INT8 datapath, quantizer, Hadamard) | fp16 (baseline)",
                 [](A& c, const nlohmann::json& v, const std::string& where) {
                   if (v != "w8a8" && v != "fp16") {
                     throw Error(where + ": precision = " + json_text(v) +
                                 ": expected one of w8a8 | fp16");
                   }
                   c.precision = v.get<std::string>();
                 },
                 [](const A& c) { return nlohmann::ordered_json(c.precision); }});
    p.push_back(
        int_param("gemm.rows", &A::gemm, &GemmConfig::rows, 1, 4096, "systolic array rows (PE)"));
    p.push_back(int_param("gemm.cols", &A::gemm, &GemmConfig::cols, 1, 4096,
                          "systolic array columns (PE)"));
    p.push_back(
        {"gemm.dataflow", "os (output stationary) | ws (weight stationary)",
         [](A& c, const nlohmann::json& v, const std::string& where) {
           if (v == "os")
             c.gemm.dataflow = Dataflow::kOutputStationary;
           else if (v == "ws")
             c.gemm.dataflow = Dataflow::kWeightStationary;
           else
             throw Error(where + ": gemm.dataflow = " + json_text(v) + ": expected one of os | ws");
         },
         [](const A& c) { return nlohmann::ordered_json(dataflow_name(c.gemm.dataflow)); }});
    p.push_back(int_param("gemm.epilogue_cycles", &A::gemm, &GemmConfig::epilogue_cycles, 0, 1000,
                          "requantizing epilogue latency per GEMM (cycles)"));
    p.push_back(real_param("gemm.fp16_rate", &A::gemm, &GemmConfig::fp16_rate, 0.0, 1.0,
                           "FP16 MAC rate relative to INT8, (0, 1] (precision fp16)"));
    p.push_back(int_param("quantizer.lanes", &A::quantizer, &QuantizerConfig::lanes, 1, 65536,
                          "quantizer elements per cycle"));
    p.push_back(int_param("quantizer.pipeline_depth", &A::quantizer,
                          &QuantizerConfig::pipeline_depth, 0, 1000,
                          "quantizer pipeline latency (cycles)"));
    p.push_back(int_param("quantizer.se_extra_latency", &A::quantizer,
                          &QuantizerConfig::se_extra_latency, 0, 1000,
                          "extra pipeline stages for SE classification (cycles)"));
    p.push_back(choice_param("quantizer.mode", &A::quantizer, &QuantizerConfig::mode,
                             {"int8", "se", "se-authors"}, "SSM-input quantizer"));
    p.push_back(bool_param("quantizer.multicycle", &A::quantizer, &QuantizerConfig::multicycle,
                           "special elements cost extra cycles instead of a wider datapath"));
    p.push_back(int_param("quantizer.multicycle_extra_cycles", &A::quantizer,
                          &QuantizerConfig::multicycle_extra_cycles, 0, 1000,
                          "extra cycles per special element (multicycle)"));
    p.push_back(choice_param("quantizer.multicycle_regions", &A::quantizer,
                             &QuantizerConfig::multicycle_regions, {"flagged", "large"},
                             "special elements: flagged (SE flag 1: small and large) | large"));
    p.push_back(int_param("quantizer.se_small_shift", &A::quantizer,
                          &QuantizerConfig::se_small_shift, 0, 8,
                          "soft-edge small step s/2^shift"));
    p.push_back(int_param("quantizer.se_large_shift", &A::quantizer,
                          &QuantizerConfig::se_large_shift, 0, 8,
                          "soft-edge large step s*2^shift"));
    p.push_back(int_param("quantizer.se_payload_bits", &A::quantizer,
                          &QuantizerConfig::se_payload_bits, 1, 6, "soft-edge payload bits"));
    p.push_back(int_param("scan.lanes", &A::scan, &ScanConfig::lanes, 1, 1 << 20,
                          "state updates per cycle"));
    p.push_back(int_param("scan.softplus_latency", &A::scan, &ScanConfig::softplus_latency, 0, 1000,
                          "softplus(dt) latency (cycles)"));
    p.push_back(int_param("scan.exp_latency", &A::scan, &ScanConfig::exp_latency, 0, 1000,
                          "exp(delta*A) latency (cycles)"));
    p.push_back(int_param("scan.recurrence_latency", &A::scan, &ScanConfig::recurrence_latency, 1,
                          1000, "h = a*h + b loop latency: minimum cycles per token"));
    p.push_back(int_param("scan.pipeline_depth", &A::scan, &ScanConfig::pipeline_depth, 0, 1000,
                          "output reduction latency (cycles)"));
    p.push_back(int_param("hadamard.lanes", &A::hadamard, &HadamardConfig::lanes, 1, 65536,
                          "butterflies per cycle"));
    p.push_back(int_param("hadamard.pipeline_depth", &A::hadamard, &HadamardConfig::pipeline_depth,
                          0, 1000, "Hadamard pipeline latency (cycles)"));
    p.push_back(int_param("hadamard.size", &A::hadamard, &HadamardConfig::size, 0, 1 << 20,
                          "transform size: 2^k, 12*2^k or 40*2^k dividing d_inner; 0 = d_inner"));
    p.push_back(int_param("vector.lanes", &A::vector, &VectorConfig::lanes, 1, 65536,
                          "vector operations per cycle"));
    p.push_back(int_param("vector.pipeline_depth", &A::vector, &VectorConfig::pipeline_depth, 0,
                          1000, "vector pipeline latency per operation (cycles)"));
    p.push_back(real_param("dram.bandwidth_gbps", &A::dram, &DramConfig::bandwidth_gbps, 0.0, 1e6,
                           "DRAM bandwidth in GB/s"));
    p.push_back({"dram.latency_ns", "DRAM access latency in ns, [0, 1e6]",
                 [](A& c, const nlohmann::json& v, const std::string& where) {
                   if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1e6) {
                     throw Error(where + ": dram.latency_ns = " + json_text(v) +
                                 ": out of range, expected a number in [0, 1e6]");
                   }
                   c.dram.latency_ns = v.get<double>();
                 },
                 [](const A& c) { return nlohmann::ordered_json(c.dram.latency_ns); }});
    p.push_back(int_param("dram.burst_bytes", &A::dram, &DramConfig::burst_bytes, 1, 1 << 20,
                          "DRAM burst size in bytes"));
    p.push_back(int_param("sram.bytes", &A::sram, &SramConfig::bytes, 1024, int64_t(1) << 40,
                          "on-chip SRAM capacity in bytes"));
    p.push_back(int_param("sram.ports", &A::sram, &SramConfig::ports, 1, 1024, "SRAM ports"));
    p.push_back(int_param("sram.port_bytes", &A::sram, &SramConfig::port_bytes, 1, 1 << 16,
                          "bytes per port per cycle"));
    p.push_back(int_param("sram.latency_cycles", &A::sram, &SramConfig::latency_cycles, 0, 1000,
                          "SRAM access latency (cycles)"));
    p.push_back(int_param("controller.tile_tokens", &A::controller, &ControllerConfig::tile_tokens,
                          1, 1 << 20, "tokens per tile streamed through the block (prefill)"));
    p.push_back(nonneg_param("energy.mac_int8_pj", &A::energy, &EnergyConfig::mac_int8_pj, 1e6,
                             "pJ per INT8 multiply-accumulate"));
    p.push_back(nonneg_param("energy.mac_fp16_pj", &A::energy, &EnergyConfig::mac_fp16_pj, 1e6,
                             "pJ per FP16 multiply-accumulate (precision fp16)"));
    p.push_back(nonneg_param("energy.sram_byte_pj", &A::energy, &EnergyConfig::sram_byte_pj, 1e6,
                             "pJ per SRAM byte read or written"));
    p.push_back(nonneg_param("energy.dram_byte_pj", &A::energy, &EnergyConfig::dram_byte_pj, 1e6,
                             "pJ per DRAM byte read or written"));
    p.push_back(nonneg_param("energy.quant_op_pj", &A::energy, &EnergyConfig::quant_op_pj, 1e6,
                             "pJ per element quantized"));
    p.push_back(nonneg_param("energy.vector_op_pj", &A::energy, &EnergyConfig::vector_op_pj, 1e6,
                             "pJ per vector-unit element operation"));
    p.push_back(nonneg_param("energy.scan_update_pj", &A::energy, &EnergyConfig::scan_update_pj,
                             1e6, "pJ per SSM state update (channel x state x token)"));
    p.push_back(nonneg_param("energy.hadamard_op_pj", &A::energy, &EnergyConfig::hadamard_op_pj,
                             1e6, "pJ per Hadamard addition/subtraction"));
    p.push_back(nonneg_param("energy.static_mw", &A::energy, &EnergyConfig::static_mw, 1e9,
                             "static power in mW, charged over the run's latency (default 0)"));
    return p;
  }();
  return table;
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
      throw Error(where + ": unknown key '" + path + "' (ssmsim run --help-arch lists the keys)");
    }
  }
}

}  // namespace

const char* dataflow_name(Dataflow d) { return d == Dataflow::kOutputStationary ? "os" : "ws"; }

void ArchConfig::load_file(const std::string& path) {
  const nlohmann::json j = read_json_file(path);
  if (!j.is_object() || !j.contains("version")) {
    throw Error(path + ": missing key 'version' (expected \"version\": 1)");
  }
  load_json(j, path);
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

std::map<std::string, std::string> ArchConfig::default_sources() {
  const std::string choice = "ssmsim default, our choice: ";
  const std::string horowitz = "Horowitz, Computing's Energy Problem, ISSCC 2014 (45 nm): ";
  return {
      {"clock_mhz", choice + "a round 1 GHz for a small edge accelerator"},
      {"gemm.rows", choice + "32 x 32 INT8 PEs, SCALE-Sim's small-array class; see the edge and "
                             "cloud presets for sourced arrays"},
      {"gemm.cols", choice + "32 x 32 INT8 PEs, SCALE-Sim's small-array class"},
      {"gemm.dataflow", choice + "output stationary, SCALE-Sim's default dataflow"},
      {"gemm.epilogue_cycles", choice + "a 4-stage requantize (scale, round, saturate, pack)"},
      {"precision", "Quamba's W8A8 datapath; fp16 is the baseline it is compared with"},
      {"quantizer.lanes", choice + "one lane per array column"},
      {"quantizer.pipeline_depth", choice + "scale, round, clamp: 3 stages"},
      {"quantizer.se_extra_latency", choice + "2 stages to classify small / normal / large"},
      {"quantizer.mode", "Quamba-SE: the soft-edge SSM-input quantizer"},
      {"quantizer.multicycle", choice + "pipelined (a wider datapath), multicycle is the what-if"},
      {"quantizer.multicycle_extra_cycles", choice + "one more cycle per special element"},
      {"quantizer.multicycle_regions", choice + "every flagged element is special"},
      {"quantizer.se_small_shift", "Quamba-SE: small step s/4 (spec/quantizers.md)"},
      {"quantizer.se_large_shift", "Quamba-SE: large step 4s (spec/quantizers.md)"},
      {"quantizer.se_payload_bits", "Quamba-SE: 8 bits + flag, 6-bit payload (spec/quantizers.md)"},
      {"scan.lanes", choice + "64 state updates per cycle (4 channels x 16 states)"},
      {"scan.softplus_latency", choice + "an 8-stage softplus (exp, log1p) pipeline"},
      {"scan.exp_latency", choice + "an 8-stage exponential pipeline"},
      {"scan.recurrence_latency", choice + "a 4-cycle FP32 multiply-add loop"},
      {"scan.pipeline_depth", choice + "a 4-stage C-reduction and D*u"},
      {"hadamard.lanes", choice + "one butterfly per array column"},
      {"hadamard.pipeline_depth", choice + "4 stages"},
      {"hadamard.size", "Quamba: one transform over d_inner (0)"},
      {"vector.lanes", choice + "one lane per array column"},
      {"vector.pipeline_depth", choice + "4 stages"},
      {"dram.latency_ns", choice + "100 ns, a typical DRAM load-to-use latency"},
      {"dram.burst_bytes", choice + "64-byte bursts (LPDDR5/DDR5 BL16 x 32 bit)"},
      {"sram.ports", choice + "4 ports of 64 B per cycle (256 B/cycle)"},
      {"sram.port_bytes", choice + "see sram.ports"},
      {"sram.latency_cycles", choice + "2 cycles for a banked SRAM"},
      {"controller.tile_tokens", choice + "64 tokens per prefill tile"},
      {"gemm.fp16_rate",
       "Ampere tensor cores run dense FP16 at half the dense INT8 rate (NVIDIA "
       "A100 whitepaper: 312 vs 624 TOPS)"},
      {"dram.bandwidth_gbps", choice + "64 GB/s, the LPDDR5 edge class (Orin Nano 8G: 68 GB/s)"},
      {"sram.bytes", choice + "2 MiB: one 64-token tile of the bundled model, twice, plus state"},
      {"energy.mac_int8_pj", horowitz + "8-bit multiply 0.2 + 32-bit add 0.1 pJ"},
      {"energy.mac_fp16_pj", horowitz + "FP16 multiply 1.1 + FP32 add 0.9 pJ"},
      {"energy.sram_byte_pj", horowitz + "64-bit read of a 32 KB SRAM 20 pJ / 8 bytes"},
      {"energy.dram_byte_pj", horowitz + "DRAM 1.3 nJ per 64-bit access / 8 bytes"},
      {"energy.quant_op_pj", horowitz + "FP16 multiply 1.1 pJ + three 8-bit operations 0.1 pJ"},
      {"energy.vector_op_pj", horowitz + "FP16 multiply 1.1 + FP16 add 0.4 pJ"},
      {"energy.scan_update_pj", horowitz + "2 FP32 multiply-adds (4.6 pJ each) + 2 FP32 "
                                           "multiplies (3.7 pJ each); exp not counted"},
      {"energy.hadamard_op_pj", horowitz + "FP16 add 0.4 pJ"},
      {"energy.static_mw", "0: depends on process and floorplan; set it for your technology"},
  };
}

void ArchConfig::set(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw Error("--set " + assignment + ": expected key.path=value");
  }
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  const Param* p = find_param(key);
  if (!p) throw Error("--set: unknown key '" + key + "' (ssmsim run --help-arch lists the keys)");
  nlohmann::json v;
  try {
    v = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    v = text;  // bare strings: --set gemm.dataflow=ws
  }
  const nlohmann::ordered_json before = p->get(*this);
  p->set(*this, v, "--set");
  if (p->get(*this) != before) sources[key] = "--set on the command line";
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
  }
  return out;
}

}  // namespace ssmsim
