#include "sim/eval_report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "common/json_text.hpp"
#include "sim/report.hpp"

namespace ssmsim {

void write_eval_report(const EvalResult& res, const nlohmann::ordered_json& options,
                       const std::string& out_dir) {
  const EvalRequest& r = res.request;
  const size_t nt = res.tensors.size();
  const bool m2 = res.arch == ModelArch::kMamba2;
  const std::string u = m2 ? "x" : "u";
  // Table, JSON, CSV.
  std::cout << fmt::format(
      "ssmsim eval: {} on {} sequence(s), {} predictions; pipeline {}; scales {}\n\n", r.model,
      res.sequences, res.fp32.predictions,
      !r.w8a8
          ? fmt::format("ssm-input ({} quantized in every layer, the rest fp32)", u)
          : fmt::format(
                "w8a8 ({}INT8 weights and activations, Hadamard before out_proj){}",
                m2 ? "Quamba2-style: " : "",
                r.prompt_tokens < 0
                    ? std::string()
                    : fmt::format(", prompt {} tokens then decode with the SSM state stored INT8",
                                  r.prompt_tokens)),
      !r.scales_file.empty()
          ? r.scales_file
          : fmt::format("calibrated on {} ({}{}: p{}{})",
                        r.calib.empty() ? std::string("the evaluated traces")
                                        : fmt::format("{} trace(s)", r.calib.size()),
                        u, m2 ? " and the state per tensor" : "", num(r.percentile),
                        m2 ? "; quamba2: x per head x dim group, B/C per state group, state per "
                             "group, running max"
                           : ""));
  TextTable t({"quantizer", "cross_entropy_nats", "bits_per_token", "perplexity", "delta_ce_nats",
               "top1_agreement_%", "delta_ce_stderr_nats"});
  t.add({"fp32", fmt::format("{:.5f}", res.fp32.ce()),
         fmt::format("{:.5f}", res.fp32.ce() / std::log(2.0)),
         fmt::format("{:.4f}", std::exp(res.fp32.ce())), "0", "100", "0"});
  for (size_t k = 0; k < res.labels.size(); ++k) {
    t.add({res.labels[k], fmt::format("{:.5f}", res.quantized[k].ce()),
           fmt::format("{:.5f}", res.quantized[k].ce() / std::log(2.0)),
           fmt::format("{:.4f}", std::exp(res.quantized[k].ce())),
           fmt::format("{:+.5f}", res.quantized[k].ce() - res.fp32.ce()),
           fmt::format("{:.2f}", 100.0 * res.quantized[k].agree /
                                     std::max<uint64_t>(1, res.quantized[k].predictions)),
           fmt::format("{:.5f}", res.quantized[k].delta_ce_stderr())});
  }
  std::cout << t.str() << "\n";
  // Mamba-2: the per-tensor scheme's scales (Quamba2's groups are in the
  // scales file).
  std::vector<std::string> lh = {"layer", m2 ? "x_scale_per_tensor" : "scale"};
  for (const auto& k : res.labels) lh.push_back(k + " ssm_in_sqnr_db");
  // The stored SSM state (its own INT8 scale, the same for every quantizer).
  const bool state = res.state < nt;
  if (state) lh.push_back(m2 ? "state_scale_per_tensor" : "state_scale");
  if (state) {
    for (const auto& k : res.labels) lh.push_back(k + " state_sqnr_db");
  }
  TextTable lt(lh);
  for (int64_t l = 0; l < res.n_layer; ++l) {
    std::vector<std::string> row = {std::to_string(l), fmt::format("{:.6g}", res.u_scales[l])};
    const auto sqnr = [&](size_t k, size_t ti) {
      return fmt::format("{:.2f}", res.layer_err[k][static_cast<size_t>(l) * nt + ti].sqnr_db());
    };
    for (size_t k = 0; k < res.labels.size(); ++k) row.push_back(sqnr(k, res.ssm_in));
    if (state) {
      row.push_back(fmt::format("{:.6g}", res.state_scales[static_cast<size_t>(l)]));
      for (size_t k = 0; k < res.labels.size(); ++k) row.push_back(sqnr(k, res.state));
    }
    lt.add(row);
  }
  std::cout << lt.str();

  ojson j;
  j["command"] = "eval";
  j["options"] = options;
  j["sequences"] = res.sequences;
  ojson qj;
  qj["fp32"] = score_json(res.fp32, false);
  for (size_t k = 0; k < res.labels.size(); ++k)
    qj[res.labels[k]] = score_json(res.quantized[k], true);
  j["quantizers"] = qj;
  ojson layers = ojson::array();
  CsvWriter csv({"row", "layer", "quantizer", "tensor", "scale", "sqnr_db", "mse",
                 "cross_entropy_nats", "bits_per_token", "perplexity", "top1_agreement_pct"});
  csv.add({"model", "", "fp32", "", "", "", "", num(res.fp32.ce()),
           num(res.fp32.ce() / std::log(2.0)), num(std::exp(res.fp32.ce())), ""});
  for (size_t k = 0; k < res.labels.size(); ++k) {
    csv.add({"model", "", res.labels[k], "", "", "", "", num(res.quantized[k].ce()),
             num(res.quantized[k].ce() / std::log(2.0)), num(std::exp(res.quantized[k].ce())),
             num(100.0 * static_cast<double>(res.quantized[k].agree) /
                 std::max<uint64_t>(1, res.quantized[k].predictions))});
  }
  for (int64_t l = 0; l < res.n_layer; ++l) {
    for (size_t ti = 0; ti < res.tensors.size(); ++ti) {
      ojson lj;
      lj["layer"] = l;
      lj["tensor"] = res.tensors[ti];
      // The two tensors with calibrated percentile scales carry them.
      std::string scale;
      if (ti == res.ssm_in) lj["scale"] = res.u_scales[static_cast<size_t>(l)];
      if (ti == res.state) lj["scale"] = res.state_scales[static_cast<size_t>(l)];
      if (lj.contains("scale")) scale = num(lj["scale"].get<double>());
      ojson lq;
      for (size_t k = 0; k < res.labels.size(); ++k) {
        const quant::ErrorStats& e = res.layer_err[k][static_cast<size_t>(l) * nt + ti];
        lq[res.labels[k]] = {{"sqnr_db", json_number_or_null(e.sqnr_db())},
                             {"mse", e.mse()},
                             {"max_abs_err", e.max_abs_error}};
        csv.add({"layer", std::to_string(l), res.labels[k], res.tensors[ti], scale,
                 num(e.sqnr_db()), num(e.mse()), "", "", "", ""});
      }
      lj["quantizers"] = lq;
      layers.push_back(lj);
    }
  }
  j["layers"] = layers;
  write_file_atomic(out_dir + "/eval.json", json_text(j, 2) + "\n");
  write_file_atomic(out_dir + "/eval.csv", csv.str());
  std::cout << fmt::format("\nwrote {0}/eval.json, {0}/eval.csv\n", out_dir);
}

}  // namespace ssmsim
