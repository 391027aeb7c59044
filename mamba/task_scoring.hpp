// Zero-shot task scoring as lm-evaluation-harness computes it
// (spec/tasks.md): a request's loglikelihood is the sum of the
// continuation tokens' log-probabilities given the context, and it is
// greedy when each of them is the argmax; multiple-choice items take the
// request with the largest loglikelihood (acc) or loglikelihood per
// character (acc_norm), ties to the lowest index; greedy items are right
// when the whole continuation is greedy. Per task: the mean and its
// standard error sqrt(p (1 - p) / (n - 1)).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/task_file.hpp"

namespace ssmsim {

struct RequestScore {
  double loglikelihood = 0;
  bool greedy = true;
};

// `logits` [rows, V] of the tokens context ++ continuation, from row
// `first_row` on: row i predicts token i + 1. The continuation's tokens are
// predicted by rows context_len - 1 ... context_len + |continuation| - 2.
// log-softmax in double precision.
RequestScore score_continuation(const float* logits, int64_t V, int64_t first_row,
                                int64_t context_len, const std::vector<int32_t>& continuation);

struct ItemScore {
  bool acc = false, acc_norm = false;
  int64_t pick = 0, pick_norm = 0;  // the chosen request (multiple choice)
};
ItemScore score_item(const TaskItem& item, const std::vector<RequestScore>& requests);

struct TaskMetrics {
  std::string task;
  int64_t items = 0;
  double acc = 0, acc_stderr = 0;
  bool has_norm = false;  // multiple choice: acc_norm too
  double acc_norm = 0, acc_norm_stderr = 0;
};
// Per task, in the order tasks first appear; `scores` parallel to `items`.
std::vector<TaskMetrics> task_metrics(const std::vector<TaskItem>& items,
                                      const std::vector<ItemScore>& scores);
// The harness's standard error of a mean of n 0/1 outcomes at rate p.
double mean_stderr(double p, int64_t n);

}  // namespace ssmsim
