#include "sim/evaluate.hpp"

#include <memory>
#include <thread>

#include "common/error.hpp"
#include "io/checkpoint.hpp"
#include "io/trace.hpp"
#include "io/trace_calibration.hpp"
#include "mamba/checkpoint_match.hpp"
#include "mamba/mamba_forward.hpp"

namespace ssmsim {

namespace {

std::vector<int32_t> row(const Trace& t, const std::vector<int32_t>& all, int64_t b) {
  return std::vector<int32_t>(all.begin() + b * t.seq_len(), all.begin() + (b + 1) * t.seq_len());
}

// Every sequence of the traces, in order.
std::vector<std::vector<int32_t>> sequences_of(const std::vector<std::unique_ptr<Trace>>& traces) {
  std::vector<std::vector<int32_t>> out;
  for (const auto& t : traces) {
    for (auto& s : t->sequences()) out.push_back(std::move(s));
  }
  return out;
}

// The evaluated traces and the calibration traces: each evaluated one of
// the checkpoint's shape and its logits (check_checkpoint_matches), the
// calibration ones of the same model as the first.
struct EvalTraces {
  std::vector<std::unique_ptr<Trace>> evals, cals;
};
template <typename Weights>
EvalTraces load_eval_traces(const EvalRequest& r, const Weights& w) {
  EvalTraces out;
  for (const auto& t : r.traces) {
    out.evals.push_back(std::make_unique<Trace>(t));
    check_trace_shape(out.evals.back()->dims(), t, w.dims, r.model);
    check_checkpoint_matches(w, r.model, *out.evals.back(), r.allow_mismatch);
  }
  for (const auto& c : r.calib) {
    out.cals.push_back(std::make_unique<Trace>(c));
    check_same_model(*out.evals.front(), *out.cals.back());
  }
  return out;
}

// Mamba-2: the fp32 model against Quamba2-style W8A8 (or x alone quantized)
// for every quantizer and scale scheme.
EvalResult evaluate_mamba2(const EvalRequest& r, const Checkpoint& ckpt) {
  const bool w8a8 = r.w8a8;
  const Mamba2Weights w = load_mamba2_weights(ckpt);
  const ModelDims& d = w.dims;
  EvalTraces traces = load_eval_traces(r, w);
  const auto& evals = traces.evals;
  const auto& cals = traces.cals;
  const std::vector<ScaleScheme> schemes =
      r.schemes.empty() ? std::vector<ScaleScheme>{ScaleScheme::kPerTensor, ScaleScheme::kQuamba2}
                        : r.schemes;
  struct Reference {
    std::vector<int32_t> tokens;
    std::vector<float> logits;
    std::vector<Mamba2Activations> acts;
  };
  std::vector<Reference> refs;
  {
    const Mamba2Forward fwd(w);
    for (const auto& t : evals) {
      const std::vector<int32_t> all = t->tokens();
      for (int64_t b = 0; b < t->batch(); ++b) {
        Reference s;
        s.tokens = row(*t, all, b);
        s.logits = fwd.prefill(s.tokens, &s.acts);
        refs.push_back(std::move(s));
      }
    }
  }
  // Scales: a file, or both schemes' observers over the calibration traces'
  // tokens (else the evaluated sequences, from their fp32 forward).
  Mamba2Scales qs;
  if (!r.scales_file.empty()) {
    qs = Mamba2Scales::load(r.scales_file, d);
  } else {
    if (cals.empty()) {
      // From the reference forward already run (the same statistics).
      Mamba2ScaleCalibrator cal(w, r.percentile);
      for (const Reference& rf : refs)
        cal.fold(cal.measure(rf.acts, static_cast<int64_t>(rf.tokens.size())));
      qs = cal.scales();
    } else {
      qs = calibrate_scales(w, sequences_of(cals), r.percentile);
    }
  }
  // Tensors: the pipeline's, plus the SSM-input quantizer against its own
  // input ("ssm.x@quantizer"); with only x quantized, x alone.
  std::vector<std::string> tnames =
      w8a8 ? mamba2_tensor_names() : std::vector<std::string>{"ssm.x"};
  const size_t npipe = tnames.size();
  tnames.push_back("ssm.x@quantizer");
  const size_t nt = tnames.size();
  struct RunSpec {
    quant::QuantKind kind;
    ScaleScheme scheme;
  };
  std::vector<RunSpec> runs;
  std::vector<std::string> labels;
  for (quant::QuantKind k : r.kinds) {
    for (ScaleScheme sc : schemes) {
      runs.push_back({k, sc});
      labels.push_back(std::string(quant::kind_name(k)) + "/" + scheme_name(sc));
    }
  }
  std::unique_ptr<W8A8Mamba2> pipe;
  if (w8a8) pipe = std::make_unique<W8A8Mamba2>(w, qs);
  Score fp32;
  std::vector<Score> q(runs.size());
  std::vector<std::vector<quant::ErrorStats>> layer_err(
      runs.size(), std::vector<quant::ErrorStats>(static_cast<size_t>(d.n_layer) * nt));
  for (const Reference& rf : refs) {
    score(rf.logits, rf.tokens, d.vocab_size, nullptr, fp32);
    auto run_one = [&](size_t k) {
      std::vector<quant::ErrorStats>& err = layer_err[k];
      std::vector<float> lg;
      if (w8a8) {
        std::vector<Mamba2Activations> acts;
        std::vector<quant::ErrorStats> own;
        lg = pipe->prefill(rf.tokens, runs[k].kind, runs[k].scheme, &acts, r.prompt_tokens, &own);
        for (size_t l = 0; l < acts.size(); ++l) {
          for (size_t ti = 0; ti < npipe; ++ti) {
            const std::vector<float>& a = mamba2_activation(acts[l], ti);
            const std::vector<float>& b = mamba2_activation(rf.acts[l], ti);
            err[l * nt + ti].merge(quant::compare(b.data(), a.data(), a.size()));
          }
          err[l * nt + npipe].merge(own[l]);
        }
      } else {
        Mamba2Forward qf(w);
        qf.set_ssm_input_hook([&](int64_t layer, std::vector<float>& x) {
          const int64_t L = static_cast<int64_t>(x.size()) / d.d_inner;
          const std::vector<float>& ref = rf.acts[static_cast<size_t>(layer)].x;
          const quant::ErrorStats e = quantize_ssm_input(
              x, L, d, qs.layers[static_cast<size_t>(layer)], runs[k].scheme, runs[k].kind);
          err[static_cast<size_t>(layer) * nt].merge(
              quant::compare(ref.data(), x.data(), x.size()));
          err[static_cast<size_t>(layer) * nt + npipe].merge(e);
        });
        lg = qf.prefill(rf.tokens);
      }
      score(lg, rf.tokens, d.vocab_size, &rf.logits, q[k]);
    };
    std::vector<std::thread> pool;
    for (size_t k = 0; k < runs.size(); ++k) pool.emplace_back(run_one, k);
    for (auto& th : pool) th.join();
  }
  EvalResult res;
  res.request = r;
  res.request.schemes = schemes;
  res.arch = ModelArch::kMamba2;
  res.n_layer = d.n_layer;
  res.sequences = static_cast<int64_t>(refs.size());
  res.fp32 = fp32;
  res.labels = std::move(labels);
  res.quantized = std::move(q);
  res.tensors = tnames;
  res.ssm_in = w8a8 ? 3 : 0;  // ssm.x
  res.state = w8a8 ? npipe - 1 : nt;
  res.layer_err = std::move(layer_err);
  for (const Mamba2LayerScales& S : qs.layers) {
    res.u_scales.push_back(S.x);
    res.state_scales.push_back(S.state);
  }
  res.scales2 = std::move(qs);
  return res;
}

}  // namespace

EvalResult evaluate(const EvalRequest& r) {
  const bool w8a8 = r.w8a8;
  const Checkpoint ckpt(r.model);
  if (ckpt.dims().mamba2()) return evaluate_mamba2(r, ckpt);
  if (!r.schemes.empty()) {
    throw Error("--scheme is for Mamba-2 models; " + r.model + " is Mamba-1 (per-tensor scales)");
  }
  const MambaWeights w = load_weights(ckpt);
  const ModelDims& d = w.dims;
  EvalTraces traces = load_eval_traces(r, w);
  const auto& evals = traces.evals;
  const auto& cals = traces.cals;

  // Per-layer SSM-input scales.
  std::vector<const Trace*> sources;
  for (const auto& c : (cals.empty() ? evals : cals)) sources.push_back(c.get());
  std::vector<float> scales;
  for (int64_t l = 0; l < d.n_layer; ++l) {
    scales.push_back(
        static_cast<float>(calibrate_layer(sources, l, "ssm.u", r.percentile).scale()));
    if (!(scales.back() > 0)) throw Error("layer " + std::to_string(l) + ": u scale is 0");
  }

  // The fp32 reference of every evaluated sequence, once: it scores the
  // quantized runs and, when they calibrate on the evaluated r.traces, it is
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
        Reference s;
        s.tokens.assign(all.begin() + b * t->seq_len(), all.begin() + (b + 1) * t->seq_len());
        // The fp32 states where the quantized pipeline stores them.
        s.logits =
            fwd.prefill(s.tokens, &s.acts, W8A8Sequence::state_from(r.prompt_tokens, t->seq_len()));
        refs.push_back(std::move(s));
      }
    }
  }
  QuantScales qs;
  if (w8a8) {
    if (!r.scales_file.empty()) {
      qs = QuantScales::load(r.scales_file, d.n_layer);
    } else {
      if (cals.empty()) {
        // From the reference forward already run (the same statistics).
        ScaleCalibrator cal(w, r.percentile);
        for (const Reference& rf : refs)
          cal.fold(cal.measure(rf.acts, static_cast<int64_t>(rf.tokens.size())));
        qs = cal.scales();
      } else {
        qs = calibrate_scales(w, sequences_of(cals), r.percentile);
      }
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
  std::vector<Score> q(r.kinds.size());
  // [quantizer][layer * tensors + tensor]
  std::vector<std::vector<quant::ErrorStats>> layer_err(
      r.kinds.size(), std::vector<quant::ErrorStats>(static_cast<size_t>(d.n_layer) * nt));
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
        const std::vector<float> lg = pipe->prefill(tokens, r.kinds[k], &acts, r.prompt_tokens);
        merge_layer_errors(ref_acts, acts, tnames.size(), layer_err[k]);
        score(lg, tokens, d.vocab_size, &ref, q[k]);
        return;
      }
      MambaForward qf(w);
      qf.set_ssm_input_hook([&, k](int64_t layer, const std::vector<float>& u,
                                   std::vector<float>& scan, std::vector<float>& xproj) {
        const float s = scales[static_cast<size_t>(layer)];
        quant::measure(r.kinds[k], u.data(), u.size(), s, se, scan.data());
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
    for (size_t k = 0; k < r.kinds.size(); ++k) pool.emplace_back(run_one, k);
    for (auto& th : pool) th.join();
    ++sequences;
  }

  EvalResult res;
  res.request = r;
  res.n_layer = d.n_layer;
  res.sequences = sequences;
  res.fp32 = fp32;
  for (quant::QuantKind k : r.kinds) res.labels.push_back(quant::kind_name(k));
  res.quantized = std::move(q);
  res.tensors = tnames;
  res.ssm_in = w8a8 ? tensor_index(Tensor::kSsmU) : 0;
  res.state = w8a8 ? tensor_index(Tensor::kSsmH) : tnames.size();
  // layer_err is indexed with w8a8_tensor_names()' stride: trim to the
  // reported tensors' stride.
  if (!w8a8) {
    for (auto& e : layer_err) {
      std::vector<quant::ErrorStats> t;
      for (int64_t l = 0; l < d.n_layer; ++l) t.push_back(e[static_cast<size_t>(l) * nt]);
      e = std::move(t);
    }
  }
  res.layer_err = std::move(layer_err);
  res.u_scales = std::move(scales);
  if (w8a8) {
    for (const LayerScales& S : qs.layers) res.state_scales.push_back(S.h);
  }
  res.scales = std::move(qs);
  return res;
}

}  // namespace ssmsim
