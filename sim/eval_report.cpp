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
  const size_t nt = w8a8_tensor_names().size();
  // Table, JSON, CSV.
  std::cout << fmt::format(
      "ssmsim eval: {} on {} sequence(s), {} predictions; pipeline {}; scales {}\n\n", r.model,
      res.sequences, res.fp32.predictions,
      !r.w8a8 ? "ssm-input (u quantized in every layer, the rest fp32)"
      : r.prompt_tokens < 0
          ? "w8a8 (INT8 weights and activations, Hadamard before out_proj)"
          : fmt::format("w8a8 (INT8 weights and activations, Hadamard before out_proj), prompt "
                        "{} tokens then decode with the SSM state stored INT8",
                        r.prompt_tokens),
      !r.scales_file.empty() ? r.scales_file
      : r.calib.empty()
          ? fmt::format("calibrated on the evaluated traces (u: p{})", num(r.percentile))
          : fmt::format("calibrated on {} trace(s) (u: p{})", r.calib.size(), num(r.percentile)));
  TextTable t({"quantizer", "cross_entropy_nats", "bits_per_token", "perplexity", "delta_ce_nats",
               "top1_agreement_%"});
  t.add({"fp32", fmt::format("{:.5f}", res.fp32.ce()),
         fmt::format("{:.5f}", res.fp32.ce() / std::log(2.0)),
         fmt::format("{:.4f}", std::exp(res.fp32.ce())), "0", "100"});
  for (size_t k = 0; k < r.kinds.size(); ++k) {
    t.add({quant::kind_name(r.kinds[k]), fmt::format("{:.5f}", res.quantized[k].ce()),
           fmt::format("{:.5f}", res.quantized[k].ce() / std::log(2.0)),
           fmt::format("{:.4f}", std::exp(res.quantized[k].ce())),
           fmt::format("{:+.5f}", res.quantized[k].ce() - res.fp32.ce()),
           fmt::format("{:.2f}", 100.0 * res.quantized[k].agree /
                                     std::max<uint64_t>(1, res.quantized[k].predictions))});
  }
  std::cout << t.str() << "\n";
  std::vector<std::string> lh = {"layer", "scale"};
  for (auto k : r.kinds) lh.push_back(std::string(quant::kind_name(k)) + " ssm_in_sqnr_db");
  // The stored SSM state (its own INT8 scale, the same for every quantizer).
  if (r.w8a8) lh.push_back("state_scale");
  if (r.w8a8) {
    for (auto k : r.kinds) lh.push_back(std::string(quant::kind_name(k)) + " state_sqnr_db");
  }
  TextTable lt(lh);
  for (int64_t l = 0; l < res.n_layer; ++l) {
    std::vector<std::string> row = {std::to_string(l), fmt::format("{:.6g}", res.u_scales[l])};
    const auto sqnr = [&](size_t k, size_t ti) {
      return fmt::format("{:.2f}", res.layer_err[k][static_cast<size_t>(l) * nt + ti].sqnr_db());
    };
    for (size_t k = 0; k < r.kinds.size(); ++k)
      row.push_back(sqnr(k, r.w8a8 ? tensor_index(Tensor::kSsmU) : 0));
    if (r.w8a8) {
      row.push_back(fmt::format("{:.6g}", res.scales.layers[static_cast<size_t>(l)].h));
      for (size_t k = 0; k < r.kinds.size(); ++k)
        row.push_back(sqnr(k, tensor_index(Tensor::kSsmH)));
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
  for (size_t k = 0; k < r.kinds.size(); ++k)
    qj[quant::kind_name(r.kinds[k])] = score_json(res.quantized[k], true);
  j["quantizers"] = qj;
  ojson layers = ojson::array();
  CsvWriter csv({"row", "layer", "quantizer", "tensor", "scale", "sqnr_db", "mse",
                 "cross_entropy_nats", "bits_per_token", "perplexity", "top1_agreement_pct"});
  csv.add({"model", "", "fp32", "", "", "", "", num(res.fp32.ce()),
           num(res.fp32.ce() / std::log(2.0)), num(std::exp(res.fp32.ce())), ""});
  for (size_t k = 0; k < r.kinds.size(); ++k) {
    csv.add({"model", "", quant::kind_name(r.kinds[k]), "", "", "", "", num(res.quantized[k].ce()),
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
      if (res.tensors[ti] == "ssm.u") lj["scale"] = res.u_scales[static_cast<size_t>(l)];
      if (res.tensors[ti] == "ssm.h") lj["scale"] = res.scales.layers[static_cast<size_t>(l)].h;
      if (lj.contains("scale")) scale = num(lj["scale"].get<double>());
      ojson lq;
      for (size_t k = 0; k < r.kinds.size(); ++k) {
        const quant::ErrorStats& e = res.layer_err[k][static_cast<size_t>(l) * nt + ti];
        lq[quant::kind_name(r.kinds[k])] = {{"sqnr_db", json_number_or_null(e.sqnr_db())},
                                            {"mse", e.mse()},
                                            {"max_abs_err", e.max_abs_error}};
        csv.add({"layer", std::to_string(l), quant::kind_name(r.kinds[k]), res.tensors[ti], scale,
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
