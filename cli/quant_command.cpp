// ssmsim quant: per-layer quantization error of a trace tensor under Quamba
// INT8 and the soft-edge quantizers.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <memory>

#include "numeric/calibration.hpp"
#include "common/error.hpp"
#include "common/json_text.hpp"
#include "numeric/metrics.hpp"
#include "io/trace_calibration.hpp"
#include "cli/commands.hpp"
#include "sim/report.hpp"
#include "io/trace.hpp"

namespace po = boost::program_options;

namespace ssmsim {

namespace {

struct QuantOptions {
  std::string trace;
  std::string tensor = "ssm.u";
  std::string quantizer = "all";
  double percentile = 99.99;
  std::vector<std::string> calib;
  std::string out = "out";
  bool force = false;
  quant::SoftEdgeParams se;
};

struct LayerResult {
  int64_t layer = 0;
  size_t elements = 0;
  double amax = 0;
  float scale = 0;
  std::vector<quant::ErrorStats> stats;  // one per quantizer
  // Error by region: elements classified by their soft-edge region at this
  // layer's scale (the same bands for every quantizer), squared error summed
  // per quantizer and region.
  std::array<uint64_t, quant::kSeRegionCount> region_elements{};
  std::vector<std::array<double, quant::kSeRegionCount>> region_sq_error;
};

ojson by_region_json(const LayerResult& r, size_t q) {
  ojson j;
  double total = 0;
  for (double e : r.region_sq_error[q]) total += e;
  for (int k = 0; k < quant::kSeRegionCount; ++k) {
    const uint64_t n = r.region_elements[static_cast<size_t>(k)];
    const double e = r.region_sq_error[q][static_cast<size_t>(k)];
    j[quant::region_name(static_cast<quant::SeRegion>(k))] = {
        {"elements", n},
        {"mse", n ? e / static_cast<double>(n) : 0.0},
        {"sq_error_share", total > 0 ? e / total : 0.0}};
  }
  return j;
}

ojson stats_json(quant::QuantKind k, const quant::ErrorStats& s) {
  ojson j;
  j["mse"] = s.mse();
  j["sqnr_db"] = json_number_or_null(s.sqnr_db());
  j["max_abs_err"] = s.max_abs_error;
  j["clipped_frac"] = s.clipped_frac();
  if (k != quant::QuantKind::kInt8) {
    j["small_frac"] = s.region_frac(quant::SeRegion::kSmall);
    j["normal_frac"] = s.region_frac(quant::SeRegion::kNormal);
    j["large_frac"] = s.region_frac(quant::SeRegion::kLarge);
    j["saturated_frac"] = s.region_frac(quant::SeRegion::kSaturated);
  }
  return j;
}

std::string pct(double f) { return fmt::format("{:.4f}", 100.0 * f); }

}  // namespace

int quant_command(const Args& args) {
  QuantOptions o;
  po::options_description desc(
      "ssmsim quant: quantization error of one activation tensor, layer by layer.\n"
      "The scale of each layer is the --percentile of |x| over the calibration\n"
      "samples (one sample per batch row, folded by Quamba's EMA), / 127.\n\nOptions");
  desc.add_options()("help,h", "show this help")("trace", po::value(&o.trace)->required(),
                                                 "ssm-trace v1 file to measure (required)")(
      "tensor", po::value(&o.tensor)->default_value(o.tensor),
      "per-layer tensor: ssm.u (SSM input), x, z, ssm.dt, ssm.B, ssm.C, ssm.y, mixer.in, "
      "mixer.out")("quantizer", po::value(&o.quantizer)->default_value(o.quantizer),
                   "int8 (Quamba, hard clip), se (soft-edge 8+1-bit code), se-authors (the "
                   "authors' 9-bit grid) or all")(
      "percentile", po::value(&o.percentile)->default_value(o.percentile, "99.99"),
      "calibration percentile of |x| in percent, (0, 100]; 100 = max")(
      "calib", po::value(&o.calib)->multitoken(),
      "trace file(s) to calibrate on (EMA over their samples); default: the measured trace itself")(
      "se-small-shift", po::value(&o.se.small_shift)->default_value(o.se.small_shift),
      "soft-edge small step = s / 2^shift")(
      "se-large-shift", po::value(&o.se.large_shift)->default_value(o.se.large_shift),
      "soft-edge large step = s * 2^shift")(
      "se-payload-bits", po::value(&o.se.payload_bits)->default_value(o.se.payload_bits),
      "soft-edge payload bits of a flagged word (1..6)")(
      "out", po::value(&o.out)->default_value(o.out), "output folder for quant.json and quant.csv")(
      "force", po::bool_switch(&o.force), "overwrite existing results in --out");
  po::variables_map vm;
  if (!parse_options(
          args, desc, vm,
          "\nWrites: OUT/quant.json, OUT/quant.csv (one row per layer and quantizer).\n")) {
    return kExitOk;
  }

  std::vector<quant::QuantKind> kinds;
  if (o.quantizer == "all") {
    kinds = {quant::QuantKind::kInt8, quant::QuantKind::kSe, quant::QuantKind::kSeAuthors};
  } else {
    kinds = {quant::parse_kind(o.quantizer, "--quantizer")};
  }
  if (!(o.percentile > 0.0 && o.percentile <= 100.0)) {
    throw Error("--percentile = " + num(o.percentile) + ": expected a value in (0, 100]");
  }
  o.se.validate();

  const Trace trace(o.trace);
  if (!trace.is_layer_tensor(o.tensor)) {
    throw Error("--tensor = '" + o.tensor + "': not a per-layer tensor of ssm-trace v1");
  }
  std::vector<std::unique_ptr<Trace>> calib;
  for (const auto& c : o.calib) {
    calib.push_back(std::make_unique<Trace>(c));
    check_same_model(trace, *calib.back());
  }
  prepare_output_dir(o.out, {"quant.json", "quant.csv"}, o.force);

  std::vector<LayerResult> results;
  std::vector<float> buf, deq;
  std::vector<uint8_t> reg;
  for (int64_t l = 0; l < trace.dims().n_layer; ++l) {
    const TensorView& xv = trace.layer(l, o.tensor);
    std::vector<const Trace*> sources;
    if (calib.empty()) sources.push_back(&trace);
    for (const auto& c : calib) sources.push_back(c.get());
    const quant::PercentileObserver obs = calibrate_layer(sources, l, o.tensor, o.percentile);
    LayerResult r;
    r.layer = l;
    r.elements = xv.numel;
    r.amax = obs.amax();
    r.scale = static_cast<float>(obs.scale());
    if (!(r.scale > 0)) {
      throw Error(o.trace + ": tensor '" + Trace::layer_name(l, o.tensor) +
                  "': calibrated amax is 0, no scale can be derived");
    }
    // Measured row by row: memory stays at one row on traces of gigabytes.
    r.stats.assign(kinds.size(), quant::ErrorStats());
    r.region_sq_error.assign(kinds.size(), {});
    for_each_row(trace, xv, buf, [&](const float* x, size_t n) {
      reg.resize(n);
      deq.resize(n);
      quant::measure(quant::QuantKind::kSe, x, n, r.scale, o.se, nullptr, reg.data());
      for (size_t e = 0; e < n; ++e) ++r.region_elements[reg[e]];
      for (size_t i = 0; i < kinds.size(); ++i) {
        r.stats[i].merge(quant::measure(kinds[i], x, n, r.scale, o.se, deq.data()));
        auto& sq = r.region_sq_error[i];
        for (size_t e = 0; e < n; ++e) {
          const double d = static_cast<double>(x[e]) - static_cast<double>(deq[e]);
          sq[reg[e]] += d * d;
        }
      }
    });
    results.push_back(std::move(r));
  }

  // Table.
  // The table keeps the figures an architect compares; JSON/CSV hold all.
  std::vector<std::string> head = {"layer", "scale"};
  for (auto k : kinds) {
    const std::string n = quant::kind_name(k);
    head.push_back(n + " sqnr_db");
    if (k == quant::QuantKind::kInt8) {
      head.push_back(n + " clipped_%");
    } else {
      head.push_back(n + " small_%");
      head.push_back(n + " large_%");
      head.push_back(n + " sat_%");
    }
  }
  TextTable table(head);
  std::vector<quant::ErrorStats> totals(kinds.size());
  for (const auto& r : results) {
    std::vector<std::string> row = {std::to_string(r.layer), fmt::format("{:.6g}", r.scale)};
    for (size_t i = 0; i < kinds.size(); ++i) {
      const auto& s = r.stats[i];
      totals[i].merge(s);
      row.push_back(fmt::format("{:.2f}", s.sqnr_db()));
      if (kinds[i] == quant::QuantKind::kInt8) {
        row.push_back(pct(s.clipped_frac()));
      } else {
        row.push_back(pct(s.region_frac(quant::SeRegion::kSmall)));
        row.push_back(pct(s.region_frac(quant::SeRegion::kLarge)));
        row.push_back(pct(s.region_frac(quant::SeRegion::kSaturated)));
      }
    }
    table.add(row);
  }
  std::cout << fmt::format(
      "ssmsim quant: {} ({}, {} layers, {} x {} tokens), tensor {}, scale = p{} of |x| / 127{}\n\n",
      o.trace, trace.dims().name, trace.dims().n_layer, trace.batch(), trace.seq_len(), o.tensor,
      num(o.percentile),
      calib.empty() ? " over the trace itself"
                    : fmt::format(" calibrated on {} file(s)", calib.size()));
  std::cout << table.str();

  // JSON and CSV.
  ojson j;
  j["command"] = "quant";
  j["trace"] = {{"path", o.trace},
                {"model", trace.dims().name},
                {"n_layer", trace.dims().n_layer},
                {"batch", trace.batch()},
                {"seq_len", trace.seq_len()}};
  ojson opts;
  opts["trace"] = o.trace;
  opts["tensor"] = o.tensor;
  opts["quantizer"] = o.quantizer;
  opts["percentile"] = o.percentile;
  opts["calib"] = o.calib;
  opts["ema_momentum"] = 0.01;
  opts["se"] = {{"small_shift", o.se.small_shift},
                {"large_shift", o.se.large_shift},
                {"payload_bits", o.se.payload_bits}};
  opts["out"] = o.out;
  j["options"] = opts;
  CsvWriter csv({"layer", "tensor", "elements", "amax", "scale", "quantizer", "mse", "sqnr_db",
                 "max_abs_err", "clipped_frac", "small_frac", "normal_frac", "large_frac",
                 "saturated_frac"});
  ojson layers = ojson::array();
  for (const auto& r : results) {
    ojson lj;
    lj["layer"] = r.layer;
    lj["tensor"] = o.tensor;
    lj["elements"] = r.elements;
    lj["amax"] = r.amax;
    lj["scale"] = r.scale;
    ojson qj;
    for (size_t i = 0; i < kinds.size(); ++i) {
      const auto& s = r.stats[i];
      qj[quant::kind_name(kinds[i])] = stats_json(kinds[i], s);
      qj[quant::kind_name(kinds[i])]["by_region"] = by_region_json(r, i);
      const bool se = kinds[i] != quant::QuantKind::kInt8;
      auto region = [&](quant::SeRegion reg) {
        return se ? num(s.region_frac(reg)) : std::string();
      };
      csv.add({std::to_string(r.layer), o.tensor, std::to_string(r.elements), num(r.amax),
               num(r.scale), quant::kind_name(kinds[i]), num(s.mse()), num(s.sqnr_db()),
               num(s.max_abs_error), num(s.clipped_frac()), region(quant::SeRegion::kSmall),
               region(quant::SeRegion::kNormal), region(quant::SeRegion::kLarge),
               region(quant::SeRegion::kSaturated)});
    }
    lj["quantizers"] = qj;
    layers.push_back(lj);
  }
  j["layers"] = layers;
  ojson tj;
  for (size_t i = 0; i < kinds.size(); ++i)
    tj[quant::kind_name(kinds[i])] = stats_json(kinds[i], totals[i]);
  j["all_layers"] = tj;
  write_file_atomic(o.out + "/quant.json", json_text(j, 2) + "\n");
  write_file_atomic(o.out + "/quant.csv", csv.str());
  std::cout << fmt::format("\nwrote {0}/quant.json, {0}/quant.csv\n", o.out);
  return kExitOk;
}

}  // namespace ssmsim
