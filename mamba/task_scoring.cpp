#include "mamba/task_scoring.hpp"

#include <cmath>
#include <map>

#include "common/error.hpp"

namespace ssmsim {

RequestScore score_continuation(const float* logits, int64_t V, int64_t first_row,
                                int64_t context_len, const std::vector<int32_t>& continuation) {
  if (context_len < 1 || continuation.empty()) {
    throw Error("internal: score_continuation needs a context and a continuation");
  }
  RequestScore s;
  for (size_t i = 0; i < continuation.size(); ++i) {
    const int64_t row = context_len - 1 + static_cast<int64_t>(i) - first_row;
    const float* z = logits + row * V;
    double top = z[0];
    int64_t arg = 0;
    for (int64_t v = 1; v < V; ++v) {
      if (z[v] > top) top = z[v], arg = v;  // the first maximum, as torch.argmax
    }
    double sum = 0;
    for (int64_t v = 0; v < V; ++v) sum += std::exp(static_cast<double>(z[v]) - top);
    const int32_t t = continuation[i];
    s.loglikelihood += static_cast<double>(z[t]) - top - std::log(sum);
    s.greedy = s.greedy && arg == t;
  }
  return s;
}

ItemScore score_item(const TaskItem& item, const std::vector<RequestScore>& r) {
  if (r.size() != item.requests.size()) {
    throw Error("internal: score_item: " + std::to_string(r.size()) + " scores for " +
                std::to_string(item.requests.size()) + " requests");
  }
  ItemScore s;
  if (item.kind == TaskKind::kGreedy) {
    s.acc = r[0].greedy;
    return s;
  }
  // Strictly larger moves the choice: ties stay with the lowest index.
  for (size_t i = 1; i < r.size(); ++i) {
    if (r[i].loglikelihood > r[static_cast<size_t>(s.pick)].loglikelihood) {
      s.pick = static_cast<int64_t>(i);
    }
    const auto norm = [&](size_t k) {
      return r[k].loglikelihood / static_cast<double>(item.requests[k].continuation_chars);
    };
    if (norm(i) > norm(static_cast<size_t>(s.pick_norm))) s.pick_norm = static_cast<int64_t>(i);
  }
  s.acc = s.pick == item.label;
  s.acc_norm = s.pick_norm == item.label;
  return s;
}

double mean_stderr(double p, int64_t n) {
  return n > 1 ? std::sqrt(p * (1 - p) / static_cast<double>(n - 1)) : 0.0;
}

std::vector<TaskMetrics> task_metrics(const std::vector<TaskItem>& items,
                                      const std::vector<ItemScore>& scores) {
  if (items.size() != scores.size()) throw Error("internal: task_metrics: sizes differ");
  std::vector<TaskMetrics> out;
  std::map<std::string, size_t> index;
  std::vector<int64_t> norm_items;  // per task: its multiple-choice items
  for (size_t i = 0; i < items.size(); ++i) {
    auto it = index.find(items[i].task);
    if (it == index.end()) {
      it = index.emplace(items[i].task, out.size()).first;
      out.push_back({});
      out.back().task = items[i].task;
      norm_items.push_back(0);
    }
    TaskMetrics& m = out[it->second];
    ++m.items;
    m.acc += scores[i].acc ? 1 : 0;
    if (items[i].kind == TaskKind::kMultipleChoice) {
      m.has_norm = true;
      m.acc_norm += scores[i].acc_norm ? 1 : 0;
      ++norm_items[it->second];
    }
  }
  for (size_t t = 0; t < out.size(); ++t) {
    TaskMetrics& m = out[t];
    m.acc /= static_cast<double>(m.items);
    m.acc_stderr = mean_stderr(m.acc, m.items);
    if (m.has_norm) {
      m.acc_norm /= static_cast<double>(norm_items[t]);
      m.acc_norm_stderr = mean_stderr(m.acc_norm, norm_items[t]);
    }
  }
  return out;
}

}  // namespace ssmsim
