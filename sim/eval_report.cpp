#include "sim/eval_report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <optional>

#include "common/json_text.hpp"
#include "sim/report.hpp"

namespace ssmsim {

namespace {

std::string eval_pipeline_text(const EvalResult& res) {
  const EvalRequest& r = res.request;
  const bool m2 = res.arch == ModelArch::kMamba2;
  if (!r.w8a8) {
    return fmt::format("ssm-input ({} quantized in every layer, the rest fp32)", m2 ? "x" : "u");
  }
  return fmt::format(
      "w8a8 ({}INT8 weights and activations, Hadamard before out_proj){}",
      m2 ? "Quamba2-style: " : "",
      r.prompt_tokens < 0
          ? std::string()
          : fmt::format(", prompt {} tokens then decode with the SSM state stored INT8",
                        r.prompt_tokens));
}

std::string eval_scales_text(const EvalResult& res) {
  const EvalRequest& r = res.request;
  const bool m2 = res.arch == ModelArch::kMamba2;
  if (!r.scales_file.empty()) return r.scales_file;
  return fmt::format("calibrated on {} ({}{}: p{}{})",
                     r.calib.empty() ? std::string("the evaluated traces")
                                     : fmt::format("{} trace(s)", r.calib.size()),
                     m2 ? "x" : "u", m2 ? " and the state per tensor" : "", num(r.percentile),
                     m2 ? "; quamba2: x per head x dim group, B/C per state group, state per "
                          "group, running max"
                        : "");
}

void print_output_table(const EvalResult& res, std::ostream& out) {
  TextTable t({"quantizer", "cross_entropy_nats", "bits_per_token", "perplexity", "delta_ce_nats",
               "top1_agreement_%", "delta_ce_stderr_nats"});
  const OutputFigures f = output_figures(res.fp32);
  t.add({"fp32", fmt::format("{:.5f}", f.ce_nats), fmt::format("{:.5f}", f.bits_per_token),
         fmt::format("{:.4f}", f.perplexity), "0", "100", "0"});
  for (size_t k = 0; k < res.labels.size(); ++k) {
    const OutputFigures q = output_figures(res.quantized[k], res.fp32);
    t.add({res.labels[k], fmt::format("{:.5f}", q.ce_nats), fmt::format("{:.5f}", q.bits_per_token),
           fmt::format("{:.4f}", q.perplexity), fmt::format("{:+.5f}", q.delta_ce_nats),
           fmt::format("{:.2f}", q.top1_agreement_pct),
           fmt::format("{:.5f}", q.delta_ce_stderr_nats)});
  }
  out << t.str() << "\n";
}

// Per layer: the SSM input's scale and error under each quantizer; the
// stored SSM state's (its own INT8 scale, the same for every quantizer).
// Mamba-2: the per-tensor scheme's scales (Quamba2's groups are in the
// scales file).
void print_layer_table(const EvalResult& res, std::ostream& out) {
  const size_t nt = res.tensors.size();
  const bool m2 = res.arch == ModelArch::kMamba2;
  std::vector<std::string> lh = {"layer", m2 ? "x_scale_per_tensor" : "scale"};
  for (const auto& k : res.labels) lh.push_back(k + " ssm_in_sqnr_db");
  const bool state = res.state < nt;
  if (state) {
    lh.push_back(m2 ? "state_scale_per_tensor" : "state_scale");
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
  out << lt.str();
}

// The two tensors with calibrated percentile scales carry them.
std::optional<double> tensor_scale(const EvalResult& res, int64_t l, size_t ti) {
  if (ti == res.ssm_in) return res.u_scales[static_cast<size_t>(l)];
  if (ti == res.state) return res.state_scales[static_cast<size_t>(l)];
  return std::nullopt;
}

ojson eval_json(const EvalResult& res, const ojson& options) {
  const size_t nt = res.tensors.size();
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
  for (int64_t l = 0; l < res.n_layer; ++l) {
    for (size_t ti = 0; ti < nt; ++ti) {
      ojson lj;
      lj["layer"] = l;
      lj["tensor"] = res.tensors[ti];
      if (const auto scale = tensor_scale(res, l, ti)) lj["scale"] = *scale;
      ojson lq;
      for (size_t k = 0; k < res.labels.size(); ++k) {
        const quant::ErrorStats& e = res.layer_err[k][static_cast<size_t>(l) * nt + ti];
        lq[res.labels[k]] = {{"sqnr_db", json_number_or_null(e.sqnr_db())},
                             {"mse", e.mse()},
                             {"max_abs_err", e.max_abs_error}};
      }
      lj["quantizers"] = lq;
      layers.push_back(lj);
    }
  }
  j["layers"] = layers;
  return j;
}

std::string eval_csv(const EvalResult& res) {
  const size_t nt = res.tensors.size();
  CsvWriter csv({"row", "layer", "quantizer", "tensor", "scale", "sqnr_db", "mse",
                 "cross_entropy_nats", "bits_per_token", "perplexity", "top1_agreement_pct"});
  const OutputFigures f = output_figures(res.fp32);
  csv.add({"model", "", "fp32", "", "", "", "", num(f.ce_nats), num(f.bits_per_token),
           num(f.perplexity), ""});
  for (size_t k = 0; k < res.labels.size(); ++k) {
    const OutputFigures q = output_figures(res.quantized[k], res.fp32);
    csv.add({"model", "", res.labels[k], "", "", "", "", num(q.ce_nats), num(q.bits_per_token),
             num(q.perplexity), num(q.top1_agreement_pct)});
  }
  for (int64_t l = 0; l < res.n_layer; ++l) {
    for (size_t ti = 0; ti < nt; ++ti) {
      const auto scale = tensor_scale(res, l, ti);
      for (size_t k = 0; k < res.labels.size(); ++k) {
        const quant::ErrorStats& e = res.layer_err[k][static_cast<size_t>(l) * nt + ti];
        csv.add({"layer", std::to_string(l), res.labels[k], res.tensors[ti],
                 scale ? num(*scale) : "", num(e.sqnr_db()), num(e.mse()), "", "", "", ""});
      }
    }
  }
  return csv.str();
}

}  // namespace

void write_eval_report(const EvalResult& res, const nlohmann::ordered_json& options,
                       const std::string& out_dir, std::ostream& out) {
  out << fmt::format(
      "ssmsim eval: {} on {} sequence(s), {} predictions; pipeline {}; scales {}\n\n",
      res.request.model, res.sequences, res.fp32.predictions, eval_pipeline_text(res),
      eval_scales_text(res));
  print_output_table(res, out);
  print_layer_table(res, out);
  write_file_atomic(out_dir + "/eval.json", json_text(eval_json(res, options), 2) + "\n");
  write_file_atomic(out_dir + "/eval.csv", eval_csv(res));
  out << fmt::format("\nwrote {0}/eval.json, {0}/eval.csv\n", out_dir);
}

}  // namespace ssmsim
