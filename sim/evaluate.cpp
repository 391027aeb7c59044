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

EvalResult evaluate(const EvalRequest& r) {
  const bool w8a8 = r.w8a8;
  const Checkpoint ckpt(r.model);
  const MambaWeights w = load_weights(ckpt);
  const ModelDims& d = w.dims;
  std::vector<std::unique_ptr<Trace>> evals, cals;
  for (const auto& t : r.traces) {
    evals.push_back(std::make_unique<Trace>(t));
    const ModelDims& td = evals.back()->dims();
    if (td.n_layer != d.n_layer || td.d_model != d.d_model || td.d_inner != d.d_inner ||
        td.vocab_size != d.vocab_size) {
      throw Error(t + ": trace shape (n_layer " + std::to_string(td.n_layer) + ", d_inner " +
                  std::to_string(td.d_inner) + ") differs from the checkpoint " + r.model);
    }
    check_checkpoint_matches(w, r.model, *evals.back(), r.allow_mismatch);
  }
  for (const auto& c : r.calib) {
    cals.push_back(std::make_unique<Trace>(c));
    check_same_model(*evals.front(), *cals.back());
  }

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
      ScaleCalibrator cal(w, r.percentile);
      if (cals.empty()) {
        for (const Reference& rf : refs)
          cal.fold(cal.measure(rf.acts, static_cast<int64_t>(rf.tokens.size())));
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
  res.quantized = std::move(q);
  res.tensors = tnames;
  res.layer_err = std::move(layer_err);
  res.u_scales = std::move(scales);
  res.scales = std::move(qs);
  return res;
}

}  // namespace ssmsim
