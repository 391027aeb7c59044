#include "sim/task_eval.hpp"

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>

#include "common/error.hpp"
#include "common/json_text.hpp"
#include "io/checkpoint.hpp"
#include "io/trace.hpp"
#include "mamba/checkpoint_match.hpp"
#include "mamba/mamba2_forward.hpp"
#include "mamba/mamba_forward.hpp"
#include "mamba/w8a8.hpp"
#include "sim/report.hpp"

namespace ssmsim {

namespace {

using Logits = std::function<std::vector<float>(const std::vector<int32_t>&)>;

// Calibration sequences: the traces' tokens, each of the checkpoint's shape.
std::vector<std::vector<int32_t>> calibration(const TaskEvalRequest& r, const ModelDims& d) {
  std::vector<std::vector<int32_t>> seqs;
  for (const std::string& p : r.calib) {
    Trace t(p);
    check_trace_shape(t.dims(), p, d, r.model);
    for (auto& s : t.sequences()) seqs.push_back(std::move(s));
  }
  return seqs;
}

// Scores every request of every item with one model.
void score_all(TaskEvalResult& res, const Logits& logits, int64_t V) {
  std::vector<std::vector<RequestScore>> reqs;
  std::vector<ItemScore> scores;
  int64_t tokens = 0;
  for (const TaskItem& item : res.items) {
    std::vector<RequestScore> rs;
    for (const TaskRequest& q : item.requests) {
      std::vector<int32_t> all = q.context;
      all.insert(all.end(), q.continuation.begin(), q.continuation.end());
      tokens += static_cast<int64_t>(all.size());
      const std::vector<float> z = logits(all);
      rs.push_back(score_continuation(z.data(), V, 0, static_cast<int64_t>(q.context.size()),
                                      q.continuation));
    }
    scores.push_back(score_item(item, rs));
    reqs.push_back(std::move(rs));
  }
  res.metrics.push_back(task_metrics(res.items, scores));
  res.scores.push_back(std::move(scores));
  res.requests.push_back(std::move(reqs));
  res.scored_tokens = tokens;
}

void need_scales(const TaskEvalRequest& r) {
  if (r.scales_file.empty() && r.calib.empty()) {
    throw Error(
        "eval --tasks: the W8A8 pipeline needs scales: give --scales FILE (ssmsim calibrate) or "
        "--calib TRACE... (calibration traces of this model)");
  }
}

}  // namespace

TaskEvalResult evaluate_tasks(const TaskEvalRequest& r) {
  const auto t0 = std::chrono::steady_clock::now();
  const Checkpoint ckpt(r.model);
  const ModelDims& d = ckpt.dims();
  TaskEvalResult res;
  res.request = r;
  res.arch = d.arch;
  for (const std::string& f : r.task_files) {
    for (TaskItem& it : read_task_file(f, d.vocab_size)) res.items.push_back(std::move(it));
  }
  if (!r.kinds.empty()) need_scales(r);
  if (!d.mamba2() && !r.schemes.empty()) {  // as eval --trace says it
    throw Error("--scheme is for Mamba-2 models; " + r.model + " is Mamba-1 (per-tensor scales)");
  }
  const int64_t V = d.vocab_size;
  if (d.mamba2()) {
    const Mamba2Weights w = load_mamba2_weights(ckpt);
    const Mamba2Forward fwd(w);
    res.labels.push_back("fp32");
    score_all(
        res, [&](const std::vector<int32_t>& t) { return fwd.prefill(t); }, V);
    if (!r.kinds.empty()) {
      const Mamba2Scales qs = r.scales_file.empty()
                                  ? calibrate_scales(w, calibration(r, d), r.percentile)
                                  : Mamba2Scales::load(r.scales_file, d);
      const W8A8Mamba2 pipe(w, qs);
      const std::vector<ScaleScheme> schemes =
          r.schemes.empty()
              ? std::vector<ScaleScheme>{ScaleScheme::kPerTensor, ScaleScheme::kQuamba2}
              : r.schemes;
      for (quant::QuantKind k : r.kinds) {
        for (ScaleScheme sc : schemes) {
          res.labels.push_back(std::string(quant::kind_name(k)) + "/" + scheme_name(sc));
          score_all(
              res,
              [&](const std::vector<int32_t>& t) {
                return pipe.prefill(t, k, sc, nullptr, -1, nullptr);
              },
              V);
        }
      }
    }
  } else {
    const MambaWeights w = load_weights(ckpt);
    const MambaForward fwd(w);
    res.labels.push_back("fp32");
    score_all(
        res, [&](const std::vector<int32_t>& t) { return fwd.prefill(t); }, V);
    if (!r.kinds.empty()) {
      const QuantScales qs = r.scales_file.empty()
                                 ? calibrate_scales(w, calibration(r, d), r.percentile)
                                 : QuantScales::load(r.scales_file, d.n_layer);
      const W8A8Mamba pipe(w, qs, W8A8Options{});
      for (quant::QuantKind k : r.kinds) {
        res.labels.push_back(quant::kind_name(k));
        score_all(
            res, [&](const std::vector<int32_t>& t) { return pipe.prefill(t, k, nullptr); }, V);
      }
    }
  }
  res.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

namespace {

ojson metrics_json(const TaskMetrics& m) {
  ojson j{{"items", m.items}, {"acc", m.acc}, {"acc_stderr", m.acc_stderr}};
  if (m.has_norm) {
    j["acc_norm"] = m.acc_norm;
    j["acc_norm_stderr"] = m.acc_norm_stderr;
  }
  return j;
}

ojson task_json(const TaskEvalResult& res, const ojson& options) {
  ojson j;
  j["command"] = "eval";
  j["options"] = options;
  j["model"] = res.request.model;
  j["arch"] = model_arch_name(res.arch);
  j["quantizers"] = res.labels;
  ojson tasks = ojson::array();
  for (size_t t = 0; t < res.metrics[0].size(); ++t) {
    ojson tj{{"task", res.metrics[0][t].task}, {"items", res.metrics[0][t].items}};
    ojson by;
    for (size_t k = 0; k < res.labels.size(); ++k)
      by[res.labels[k]] = metrics_json(res.metrics[k][t]);
    tj["results"] = by;
    tasks.push_back(tj);
  }
  j["tasks"] = tasks;
  ojson items = ojson::array();
  for (size_t i = 0; i < res.items.size(); ++i) {
    const TaskItem& it = res.items[i];
    ojson ij{{"task", it.task},
             {"doc", it.doc},
             {"kind", task_kind_name(it.kind)},
             {"label", it.label},
             {"line", it.line}};
    ojson by;
    for (size_t k = 0; k < res.labels.size(); ++k) {
      ojson ll = ojson::array(), greedy = ojson::array();
      for (const RequestScore& s : res.requests[k][i]) {
        ll.push_back(s.loglikelihood);
        greedy.push_back(s.greedy);
      }
      ojson q{{"loglikelihoods", ll}, {"greedy", greedy}, {"acc", res.scores[k][i].acc}};
      if (it.kind == TaskKind::kMultipleChoice) q["acc_norm"] = res.scores[k][i].acc_norm;
      by[res.labels[k]] = q;
    }
    ij["results"] = by;
    items.push_back(ij);
  }
  j["items"] = items;
  j["host"] = {{"wall_s", res.wall_s},
               {"scored_tokens_per_quantizer", res.scored_tokens},
               {"scored_tokens_per_s",
                res.wall_s > 0 ? static_cast<double>(res.scored_tokens *
                                                     static_cast<int64_t>(res.labels.size())) /
                                     res.wall_s
                               : 0.0}};
  return j;
}

}  // namespace

void write_task_report(const TaskEvalResult& res, const ojson& options, const std::string& out_dir,
                       std::ostream& out) {
  out << fmt::format("ssmsim eval --tasks: {} ({}), {} item(s) of {} task(s); quantizers: {}\n\n",
                     res.request.model, model_arch_name(res.arch), res.items.size(),
                     res.metrics.empty() ? 0 : res.metrics[0].size(), fmt::join(res.labels, ", "));
  TextTable table({"task", "quantizer", "items", "acc_pct", "acc_stderr_pct", "acc_norm_pct",
                   "acc_norm_stderr_pct"});
  CsvWriter csv({"task", "quantizer", "items", "acc", "acc_stderr", "acc_norm", "acc_norm_stderr"});
  for (size_t t = 0; t < res.metrics[0].size(); ++t) {
    for (size_t k = 0; k < res.labels.size(); ++k) {
      const TaskMetrics& m = res.metrics[k][t];
      const auto pct = [](double v) { return fmt::format("{:.2f}", 100 * v); };
      table.add({m.task, res.labels[k], std::to_string(m.items), pct(m.acc), pct(m.acc_stderr),
                 m.has_norm ? pct(m.acc_norm) : "", m.has_norm ? pct(m.acc_norm_stderr) : ""});
      csv.add({m.task, res.labels[k], std::to_string(m.items), num(m.acc), num(m.acc_stderr),
               m.has_norm ? num(m.acc_norm) : "", m.has_norm ? num(m.acc_norm_stderr) : ""});
    }
  }
  out << table.str();
  CsvWriter items({"task", "doc", "request", "label", "quantizer", "loglikelihood", "greedy"});
  for (size_t i = 0; i < res.items.size(); ++i) {
    const TaskItem& it = res.items[i];
    for (size_t k = 0; k < res.labels.size(); ++k) {
      for (size_t q = 0; q < it.requests.size(); ++q) {
        const RequestScore& s = res.requests[k][i][q];
        items.add({it.task, std::to_string(it.doc), std::to_string(q), std::to_string(it.label),
                   res.labels[k], num(s.loglikelihood), s.greedy ? "1" : "0"});
      }
    }
  }
  write_file_atomic(out_dir + "/eval.json", json_text(task_json(res, options), 2) + "\n");
  write_file_atomic(out_dir + "/eval.csv", csv.str());
  write_file_atomic(out_dir + "/eval.items.csv", items.str());
  out << fmt::format(
      "\n{} tokens scored per quantizer in {:.2f} s wall\nwrote {}/eval.json, {}/eval.csv, "
      "{}/eval.items.csv\n",
      res.scored_tokens, res.wall_s, out_dir, out_dir, out_dir);
}

}  // namespace ssmsim
