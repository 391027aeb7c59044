#include "sim/quant_report.hpp"

#include <fmt/format.h>

#include <iostream>

#include "common/json_text.hpp"
#include "numeric/calibration.hpp"
#include "sim/report.hpp"

namespace ssmsim {

namespace {

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

// Every layer's error together, per quantizer (the report's "all_layers").
std::vector<quant::ErrorStats> all_layers(const QuantifyResult& res) {
  std::vector<quant::ErrorStats> totals(res.request.kinds.size());
  for (const auto& r : res.layers) {
    for (size_t i = 0; i < totals.size(); ++i) totals[i].merge(r.stats[i]);
  }
  return totals;
}

// The table keeps the figures an architect compares; JSON/CSV hold all.
void print_quant_table(const QuantifyResult& res, std::ostream& out) {
  const QuantifyRequest& q = res.request;
  std::vector<std::string> head = {"layer", "scale"};
  for (auto k : q.kinds) {
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
  for (const auto& r : res.layers) {
    std::vector<std::string> row = {std::to_string(r.layer), fmt::format("{:.6g}", r.scale)};
    for (size_t i = 0; i < q.kinds.size(); ++i) {
      const auto& s = r.stats[i];
      row.push_back(fmt::format("{:.2f}", s.sqnr_db()));
      if (q.kinds[i] == quant::QuantKind::kInt8) {
        row.push_back(pct(s.clipped_frac()));
      } else {
        row.push_back(pct(s.region_frac(quant::SeRegion::kSmall)));
        row.push_back(pct(s.region_frac(quant::SeRegion::kLarge)));
        row.push_back(pct(s.region_frac(quant::SeRegion::kSaturated)));
      }
    }
    table.add(row);
  }
  out << fmt::format(
      "ssmsim quant: {} ({}, {} layers, {} x {} tokens), tensor {}, scale = p{} of |x| / 127{}\n\n",
      q.trace, res.model, res.n_layer, res.batch, res.seq_len, q.tensor, num(q.percentile),
      q.calib.empty() ? " over the trace itself"
                      : fmt::format(" calibrated on {} file(s)", q.calib.size()));
  out << table.str();
}

ojson quant_json(const QuantifyResult& res, const ojson& options) {
  const QuantifyRequest& q = res.request;
  ojson j;
  j["command"] = "quant";
  j["trace"] = {{"path", q.trace},
                {"model", res.model},
                {"n_layer", res.n_layer},
                {"batch", res.batch},
                {"seq_len", res.seq_len}};
  j["options"] = options;
  ojson layers = ojson::array();
  for (const auto& r : res.layers) {
    ojson lj;
    lj["layer"] = r.layer;
    lj["tensor"] = q.tensor;
    lj["elements"] = r.elements;
    lj["amax"] = r.amax;
    lj["scale"] = r.scale;
    ojson qj;
    for (size_t i = 0; i < q.kinds.size(); ++i) {
      qj[quant::kind_name(q.kinds[i])] = stats_json(q.kinds[i], r.stats[i]);
      qj[quant::kind_name(q.kinds[i])]["by_region"] = by_region_json(r, i);
    }
    lj["quantizers"] = qj;
    layers.push_back(lj);
  }
  j["layers"] = layers;
  const std::vector<quant::ErrorStats> totals = all_layers(res);
  ojson tj;
  for (size_t i = 0; i < q.kinds.size(); ++i)
    tj[quant::kind_name(q.kinds[i])] = stats_json(q.kinds[i], totals[i]);
  j["all_layers"] = tj;
  return j;
}

std::string quant_csv(const QuantifyResult& res) {
  const QuantifyRequest& q = res.request;
  CsvWriter csv({"layer", "tensor", "elements", "amax", "scale", "quantizer", "mse", "sqnr_db",
                 "max_abs_err", "clipped_frac", "small_frac", "normal_frac", "large_frac",
                 "saturated_frac"});
  for (const auto& r : res.layers) {
    for (size_t i = 0; i < q.kinds.size(); ++i) {
      const auto& s = r.stats[i];
      const bool se = q.kinds[i] != quant::QuantKind::kInt8;
      auto region = [&](quant::SeRegion reg) {
        return se ? num(s.region_frac(reg)) : std::string();
      };
      csv.add({std::to_string(r.layer), q.tensor, std::to_string(r.elements), num(r.amax),
               num(r.scale), quant::kind_name(q.kinds[i]), num(s.mse()), num(s.sqnr_db()),
               num(s.max_abs_error), num(s.clipped_frac()), region(quant::SeRegion::kSmall),
               region(quant::SeRegion::kNormal), region(quant::SeRegion::kLarge),
               region(quant::SeRegion::kSaturated)});
    }
  }
  return csv.str();
}

}  // namespace

void write_quant_report(const QuantifyResult& res, const std::string& quantizer,
                        const std::string& out_dir, std::ostream& out) {
  const QuantifyRequest& q = res.request;
  ojson options;
  options["trace"] = q.trace;
  options["tensor"] = q.tensor;  // the default resolved for the trace's architecture
  options["quantizer"] = quantizer;
  options["percentile"] = q.percentile;
  options["calib"] = q.calib;
  options["ema_momentum"] = quant::PercentileObserver::kQuambaMomentum;
  options["se"] = {{"small_shift", q.se.small_shift},
                   {"large_shift", q.se.large_shift},
                   {"payload_bits", q.se.payload_bits}};
  options["out"] = out_dir;
  print_quant_table(res, out);
  write_file_atomic(out_dir + "/quant.json", json_text(quant_json(res, options), 2) + "\n");
  write_file_atomic(out_dir + "/quant.csv", quant_csv(res));
  out << fmt::format("\nwrote {0}/quant.json, {0}/quant.csv\n", out_dir);
}

}  // namespace ssmsim
