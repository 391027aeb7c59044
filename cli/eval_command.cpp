// ssmsim eval: what an SSM-input quantizer costs at the model's output. The
// fp32 reference model runs on the traces' tokens, once as is and once per
// quantizer with the SSM input u of every layer quantized (the scan gets the
// decoded value, x_proj its INT8), everything else fp32. Reported: next-token
// cross-entropy, bits per token, perplexity, top-1 agreement with fp32, and
// per layer the SQNR of the quantized u against the fp32 model's u.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "common/error.hpp"
#include "common/json_text.hpp"
#include "numeric/metrics.hpp"
#include "mamba/mamba_forward.hpp"
#include "mamba/w8a8.hpp"
#include "io/trace_calibration.hpp"
#include "cli/commands.hpp"
#include "sim/report.hpp"
#include "mamba/scoring.hpp"
#include "io/checkpoint.hpp"
#include "io/trace.hpp"

namespace po = boost::program_options;

namespace ssmsim {

int eval_command(const Args& args) {
  std::string model, quantizer = "all", out = "out", pipeline = "w8a8", scales_file;
  std::vector<std::string> traces, calib;
  double percentile = 99.99;
  int64_t prompt_tokens = -1;
  bool force = false;
  po::options_description desc(
      "ssmsim eval: cost of quantization at the model's output, fp32 vs each SSM-input\n"
      "quantizer, in the Quamba W8A8 pipeline or with only u quantized. Scales: --scales,\n"
      "or calibrated on the --calib traces' tokens (else the evaluated ones).\n\nOptions");
  desc.add_options()("help,h", "show this help")("model", po::value(&model)->required(),
                                                 "Hugging Face Mamba checkpoint folder (required)")(
      "trace", po::value(&traces)->multitoken()->required(),
      "trace file(s) whose tokens are evaluated (required)")(
      "quantizer", po::value(&quantizer)->default_value(quantizer),
      "SSM-input quantizer: int8 | se | se-authors | all")(
      "pipeline", po::value(&pipeline)->default_value(pipeline),
      "w8a8 (Quamba: INT8 weights and activations, Hadamard before out_proj) | ssm-input "
      "(only u quantized, the rest fp32)")(
      "scales", po::value(&scales_file),
      "w8a8 scales from ssmsim calibrate (default: calibrate on the --calib or evaluated tokens)")(
      "percentile", po::value(&percentile)->default_value(percentile, "99.99"),
      "calibration percentile of |u| and of the SSM state, (0, 100]")(
      "prompt-tokens", po::value(&prompt_tokens),
      "w8a8: the first N tokens of each sequence are the prompt (prefill), the rest decode "
      "steps with the SSM state stored INT8 between them (default: all prompt)")(
      "calib", po::value(&calib)->multitoken(), "calibration traces (default: the --trace files)")(
      "out", po::value(&out)->default_value(out), "output folder for eval.json and eval.csv")(
      "force", po::bool_switch(&force), "overwrite existing results");
  po::variables_map vm;
  if (!parse_options(args, desc, vm, "\nWrites: OUT/eval.json, OUT/eval.csv.\n")) return kExitOk;
  std::vector<quant::QuantKind> kinds;
  if (quantizer == "all") {
    kinds = {quant::QuantKind::kInt8, quant::QuantKind::kSe, quant::QuantKind::kSeAuthors};
  } else {
    kinds = {quant::parse_kind(quantizer, "--quantizer")};
  }
  if (!(percentile > 0 && percentile <= 100)) {
    throw Error("--percentile = " + num(percentile) + ": expected a value in (0, 100]");
  }
  if (pipeline != "w8a8" && pipeline != "ssm-input") {
    throw Error("--pipeline = '" + pipeline + "': expected w8a8 or ssm-input");
  }
  const bool w8a8 = pipeline == "w8a8";
  if (vm.count("prompt-tokens") && (!w8a8 || prompt_tokens < 0)) {
    throw Error(!w8a8 ? "--prompt-tokens is for --pipeline w8a8"
                      : "--prompt-tokens = " + std::to_string(prompt_tokens) + ": expected >= 0");
  }

  const Checkpoint ckpt(model);
  const MambaWeights w = load_weights(ckpt);
  const ModelDims& d = w.dims;
  std::vector<std::unique_ptr<Trace>> evals, cals;
  for (const auto& t : traces) {
    evals.push_back(std::make_unique<Trace>(t));
    const ModelDims& td = evals.back()->dims();
    if (td.n_layer != d.n_layer || td.d_model != d.d_model || td.d_inner != d.d_inner ||
        td.vocab_size != d.vocab_size) {
      throw Error(t + ": trace shape (n_layer " + std::to_string(td.n_layer) + ", d_inner " +
                  std::to_string(td.d_inner) + ") differs from the checkpoint " + model);
    }
  }
  for (const auto& c : calib) {
    cals.push_back(std::make_unique<Trace>(c));
    check_same_model(*evals.front(), *cals.back());
  }
  prepare_output_dir(out, {"eval.json", "eval.csv"}, force);

  // Per-layer SSM-input scales.
  std::vector<const Trace*> sources;
  for (const auto& c : (cals.empty() ? evals : cals)) sources.push_back(c.get());
  std::vector<float> scales;
  for (int64_t l = 0; l < d.n_layer; ++l) {
    scales.push_back(static_cast<float>(calibrate_layer(sources, l, "ssm.u", percentile).scale()));
    if (!(scales.back() > 0)) throw Error("layer " + std::to_string(l) + ": u scale is 0");
  }

  // The fp32 reference of every evaluated sequence, once: it scores the
  // quantized runs and, when they calibrate on the evaluated traces, it is
  // also the calibration forward (the same statistics, one forward less).
  struct Reference {
    std::vector<int32_t> tokens;
    std::vector<float> logits;
    std::vector<LayerActivations> acts;
  };
  std::vector<Reference> refs;
  {
    MambaForward fwd(w);
    for (const auto& t : evals) {
      const std::vector<int32_t> all = t->tokens();
      for (int64_t b = 0; b < t->batch(); ++b) {
        Reference r;
        r.tokens.assign(all.begin() + b * t->seq_len(), all.begin() + (b + 1) * t->seq_len());
        // The fp32 states where the quantized pipeline stores them.
        r.logits =
            fwd.prefill(r.tokens, &r.acts, W8A8Sequence::state_from(prompt_tokens, t->seq_len()));
        refs.push_back(std::move(r));
      }
    }
  }
  QuantScales qs;
  if (w8a8) {
    if (!scales_file.empty()) {
      qs = QuantScales::load(scales_file, d.n_layer);
    } else {
      ScaleCalibrator cal(w, percentile);
      if (cals.empty()) {
        for (const Reference& r : refs)
          cal.fold(cal.measure(r.acts, static_cast<int64_t>(r.tokens.size())));
      } else {
        for (const Trace* t : sources) {
          const std::vector<int32_t> all = t->tokens();
          for (int64_t b = 0; b < t->batch(); ++b) {
            cal.observe(std::vector<int32_t>(all.begin() + b * t->seq_len(),
                                             all.begin() + (b + 1) * t->seq_len()));
          }
        }
      }
      qs = cal.scales();
    }
    for (int64_t l = 0; l < d.n_layer; ++l) scales[static_cast<size_t>(l)] = qs.layers[l].u;
  }
  // Tensors whose per-layer error is reported; err[layer * nt + tensor].
  const std::vector<std::string> tnames =
      w8a8 ? w8a8_tensor_names() : std::vector<std::string>{"ssm.u"};
  const size_t nt = w8a8_tensor_names().size();
  // One W8A8 model (its quantized weights) for every SSM-input quantizer.
  std::unique_ptr<W8A8Mamba> pipe;
  if (w8a8) pipe = std::make_unique<W8A8Mamba>(w, qs, W8A8Options());

  Score fp32;
  std::vector<Score> q(kinds.size());
  // [quantizer][layer * tensors + tensor]
  std::vector<std::vector<quant::ErrorStats>> layer_err(
      kinds.size(), std::vector<quant::ErrorStats>(static_cast<size_t>(d.n_layer) * nt));
  const quant::SoftEdgeParams se;
  int64_t sequences = 0;
  for (const Reference& rf : refs) {
    const std::vector<int32_t>& tokens = rf.tokens;
    const std::vector<LayerActivations>& ref_acts = rf.acts;
    const std::vector<float>& ref = rf.logits;
    score(ref, tokens, d.vocab_size, nullptr, fp32);
    // One forward per quantizer, each on its own thread with its own
    // model state and accumulators: the same result in any order.
    auto run_one = [&](size_t k) {
      if (w8a8) {
        std::vector<LayerActivations> acts;
        const std::vector<float> lg = pipe->prefill(tokens, kinds[k], &acts, prompt_tokens);
        merge_layer_errors(ref_acts, acts, tnames.size(), layer_err[k]);
        score(lg, tokens, d.vocab_size, &ref, q[k]);
        return;
      }
      MambaForward qf(w);
      qf.set_ssm_input_hook([&, k](int64_t layer, const std::vector<float>& u,
                                   std::vector<float>& scan, std::vector<float>& xproj) {
        const float s = scales[static_cast<size_t>(layer)];
        quant::measure(kinds[k], u.data(), u.size(), s, se, scan.data());
        for (size_t i = 0; i < u.size(); ++i) {
          xproj[i] = quant::dequantize_int8(quant::quantize_int8(scan[i], s), s);
        }
        // Error against the fp32 model's own u in that layer.
        layer_err[k][static_cast<size_t>(layer) * nt + 0].merge(
            quant::compare(ref_acts[static_cast<size_t>(layer)].u.data(), scan.data(), u.size()));
      });
      score(qf.prefill(tokens), tokens, d.vocab_size, &ref, q[k]);
    };
    std::vector<std::thread> pool;
    for (size_t k = 0; k < kinds.size(); ++k) pool.emplace_back(run_one, k);
    for (auto& th : pool) th.join();
    ++sequences;
  }

  // Table, JSON, CSV.
  std::cout << fmt::format(
      "ssmsim eval: {} on {} sequence(s), {} predictions; pipeline {}; scales {}\n\n", model,
      sequences, fp32.predictions,
      !w8a8 ? "ssm-input (u quantized in every layer, the rest fp32)"
      : prompt_tokens < 0
          ? "w8a8 (INT8 weights and activations, Hadamard before out_proj)"
          : fmt::format("w8a8 (INT8 weights and activations, Hadamard before out_proj), prompt "
                        "{} tokens then decode with the SSM state stored INT8",
                        prompt_tokens),
      !scales_file.empty() ? scales_file
      : cals.empty()
          ? fmt::format("calibrated on the evaluated traces (u: p{})", num(percentile))
          : fmt::format("calibrated on {} trace(s) (u: p{})", cals.size(), num(percentile)));
  TextTable t({"quantizer", "cross_entropy_nats", "bits_per_token", "perplexity", "delta_ce_nats",
               "top1_agreement_%"});
  t.add({"fp32", fmt::format("{:.5f}", fp32.ce()), fmt::format("{:.5f}", fp32.ce() / std::log(2.0)),
         fmt::format("{:.4f}", std::exp(fp32.ce())), "0", "100"});
  for (size_t k = 0; k < kinds.size(); ++k) {
    t.add({quant::kind_name(kinds[k]), fmt::format("{:.5f}", q[k].ce()),
           fmt::format("{:.5f}", q[k].ce() / std::log(2.0)),
           fmt::format("{:.4f}", std::exp(q[k].ce())),
           fmt::format("{:+.5f}", q[k].ce() - fp32.ce()),
           fmt::format("{:.2f}", 100.0 * q[k].agree / std::max<uint64_t>(1, q[k].predictions))});
  }
  std::cout << t.str() << "\n";
  std::vector<std::string> lh = {"layer", "scale"};
  for (auto k : kinds) lh.push_back(std::string(quant::kind_name(k)) + " ssm_in_sqnr_db");
  // The stored SSM state (its own INT8 scale, the same for every quantizer).
  if (w8a8) lh.push_back("state_scale");
  if (w8a8) {
    for (auto k : kinds) lh.push_back(std::string(quant::kind_name(k)) + " state_sqnr_db");
  }
  TextTable lt(lh);
  for (int64_t l = 0; l < d.n_layer; ++l) {
    std::vector<std::string> row = {std::to_string(l), fmt::format("{:.6g}", scales[l])};
    const auto sqnr = [&](size_t k, size_t ti) {
      return fmt::format("{:.2f}", layer_err[k][static_cast<size_t>(l) * nt + ti].sqnr_db());
    };
    for (size_t k = 0; k < kinds.size(); ++k) row.push_back(sqnr(k, w8a8 ? tensor_index(Tensor::kSsmU) : 0));
    if (w8a8) {
      row.push_back(fmt::format("{:.6g}", qs.layers[static_cast<size_t>(l)].h));
      for (size_t k = 0; k < kinds.size(); ++k) row.push_back(sqnr(k, tensor_index(Tensor::kSsmH)));
    }
    lt.add(row);
  }
  std::cout << lt.str();

  ojson j;
  j["command"] = "eval";
  j["options"] = {{"model", model},
                  {"trace", traces},
                  {"quantizer", quantizer},
                  {"percentile", percentile},
                  {"calib", calib},
                  {"out", out},
                  {"pipeline", pipeline},
                  {"scales", scales_file},
                  {"prompt_tokens", prompt_tokens < 0 ? ojson(nullptr) : ojson(prompt_tokens)}};
  j["sequences"] = sequences;
  ojson qj;
  qj["fp32"] = score_json(fp32, false);
  for (size_t k = 0; k < kinds.size(); ++k) qj[quant::kind_name(kinds[k])] = score_json(q[k], true);
  j["quantizers"] = qj;
  ojson layers = ojson::array();
  CsvWriter csv({"row", "layer", "quantizer", "tensor", "scale", "sqnr_db", "mse",
                 "cross_entropy_nats", "bits_per_token", "perplexity", "top1_agreement"});
  csv.add({"model", "", "fp32", "", "", "", "", num(fp32.ce()), num(fp32.ce() / std::log(2.0)),
           num(std::exp(fp32.ce())), ""});
  for (size_t k = 0; k < kinds.size(); ++k) {
    csv.add({"model", "", quant::kind_name(kinds[k]), "", "", "", "", num(q[k].ce()),
             num(q[k].ce() / std::log(2.0)), num(std::exp(q[k].ce())),
             num(static_cast<double>(q[k].agree) / std::max<uint64_t>(1, q[k].predictions))});
  }
  for (int64_t l = 0; l < d.n_layer; ++l) {
    for (size_t ti = 0; ti < tnames.size(); ++ti) {
      ojson lj;
      lj["layer"] = l;
      lj["tensor"] = tnames[ti];
      // The two tensors with calibrated percentile scales carry them.
      std::string scale;
      if (tnames[ti] == "ssm.u") lj["scale"] = scales[static_cast<size_t>(l)];
      if (tnames[ti] == "ssm.h") lj["scale"] = qs.layers[static_cast<size_t>(l)].h;
      if (lj.contains("scale")) scale = num(lj["scale"].get<double>());
      ojson lq;
      for (size_t k = 0; k < kinds.size(); ++k) {
        const quant::ErrorStats& e = layer_err[k][static_cast<size_t>(l) * nt + ti];
        lq[quant::kind_name(kinds[k])] = {{"sqnr_db", json_number_or_null(e.sqnr_db())},
                                          {"mse", e.mse()},
                                          {"max_abs_err", e.max_abs_error}};
        csv.add({"layer", std::to_string(l), quant::kind_name(kinds[k]), tnames[ti], scale,
                 num(e.sqnr_db()), num(e.mse()), "", "", "", ""});
      }
      lj["quantizers"] = lq;
      layers.push_back(lj);
    }
  }
  j["layers"] = layers;
  write_file_atomic(out + "/eval.json", json_text(j, 2) + "\n");
  write_file_atomic(out + "/eval.csv", csv.str());
  std::cout << fmt::format("\nwrote {0}/eval.json, {0}/eval.csv\n", out);
  return kExitOk;
}

}  // namespace ssmsim
