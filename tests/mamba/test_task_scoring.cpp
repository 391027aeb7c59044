// Zero-shot scoring against hand-computed cases (spec/tasks.md): the
// loglikelihood of a continuation, greedy flags, acc and acc_norm with
// ties to the lowest index, the standard error; and on the bundled
// checkpoint, a request scored from one prefill equals the step-by-step
// decode of the same tokens.
#include <gtest/gtest.h>

#include <cmath>

#include "io/checkpoint.hpp"
#include "mamba/mamba_forward.hpp"
#include "mamba/task_scoring.hpp"

using namespace ssmsim;

namespace {

TaskItem mc(std::vector<int64_t> chars, int64_t label) {
  TaskItem it;
  it.task = "t";
  it.kind = TaskKind::kMultipleChoice;
  it.label = label;
  for (int64_t c : chars) {
    TaskRequest r;
    r.context = {0};
    r.continuation = {0};
    r.continuation_chars = c;
    it.requests.push_back(r);
  }
  return it;
}

}  // namespace

TEST(TaskScoring, ContinuationLoglikelihoodByHand) {
  // Context of 2 tokens, continuation {2, 0}: rows 1 and 2 predict them.
  // V = 3; row 0 is not read.
  const std::vector<float> logits = {9, 9, 9,   //
                                     0, 1, 2,   // row 1: log p(2) = 2 - log(1 + e + e^2)
                                     3, 0, 0};  // row 2: log p(0) = 3 - log(e^3 + 2)
  const RequestScore s = score_continuation(logits.data(), 3, 0, 2, {2, 0});
  const double want =
      (2 - std::log(1 + std::exp(1.0) + std::exp(2.0))) + (3 - std::log(std::exp(3.0) + 2));
  EXPECT_NEAR(s.loglikelihood, want, 1e-12);
  EXPECT_TRUE(s.greedy);  // 2 and 0 are both the argmax
  EXPECT_FALSE(score_continuation(logits.data(), 3, 0, 2, {1, 0}).greedy);
  // Rows may start later (a prefill that began after the context's start).
  EXPECT_NEAR(score_continuation(logits.data() + 3, 3, 1, 2, {2, 0}).loglikelihood, want, 1e-12);
}

TEST(TaskScoring, MultipleChoiceAccNormAndTies) {
  // Loglikelihoods -4, -3, -6 over 2, 4, 12 characters: acc picks 1
  // (-3), acc_norm picks 2 (-0.5 per character).
  const TaskItem item = mc({2, 4, 12}, 2);
  const ItemScore s = score_item(item, {{-4, false}, {-3, false}, {-6, false}});
  EXPECT_EQ(s.pick, 1);
  EXPECT_EQ(s.pick_norm, 2);
  EXPECT_FALSE(s.acc);
  EXPECT_TRUE(s.acc_norm);
  // A tie goes to the lowest index, for both.
  const ItemScore t = score_item(mc({3, 3}, 0), {{-2, false}, {-2, false}});
  EXPECT_EQ(t.pick, 0);
  EXPECT_EQ(t.pick_norm, 0);
  EXPECT_TRUE(t.acc && t.acc_norm);
}

TEST(TaskScoring, TaskMeansAndStandardErrors) {
  std::vector<TaskItem> items;
  std::vector<ItemScore> scores;
  for (int i = 0; i < 4; ++i) {  // 3 of 4 right, acc_norm 1 of 4
    items.push_back(mc({1, 1}, 0));
    scores.push_back({i < 3, i == 0, 0, 0});
  }
  TaskItem g;
  g.task = "g";
  g.kind = TaskKind::kGreedy;
  g.requests.resize(1);
  for (int i = 0; i < 2; ++i) {
    items.push_back(g);
    scores.push_back({i == 0, false, 0, 0});
  }
  const std::vector<TaskMetrics> m = task_metrics(items, scores);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].task, "t");
  EXPECT_DOUBLE_EQ(m[0].acc, 0.75);
  EXPECT_NEAR(m[0].acc_stderr, std::sqrt(0.75 * 0.25 / 3), 1e-15);
  EXPECT_TRUE(m[0].has_norm);
  EXPECT_DOUBLE_EQ(m[0].acc_norm, 0.25);
  EXPECT_EQ(m[1].task, "g");
  EXPECT_FALSE(m[1].has_norm);
  EXPECT_DOUBLE_EQ(m[1].acc, 0.5);
  EXPECT_NEAR(m[1].acc_stderr, 0.5, 1e-15);  // sqrt(0.25 / 1)
  EXPECT_EQ(mean_stderr(1.0, 1), 0.0);
}

TEST(TaskScoring, OnePrefillEqualsDecodingStepByStep) {
  // The bundled Mamba-1 checkpoint: a continuation scored from the logits
  // of one prefill over context ++ continuation, and from decode steps
  // (the recurrent state a shared context would leave), agree.
  Checkpoint ckpt{std::string(SSMSIM_SOURCE_DIR) + "/traces/default/mamba-bytes-a"};
  const MambaWeights w = load_weights(ckpt);
  MambaForward f(w);
  const std::vector<int32_t> context = {84, 104, 101, 32, 113, 117, 105, 99, 107, 32};
  const std::vector<int32_t> continuation = {98, 114, 111, 119, 110};
  std::vector<int32_t> all = context;
  all.insert(all.end(), continuation.begin(), continuation.end());
  const int64_t V = w.dims.vocab_size;
  const std::vector<float> logits = f.prefill(all);
  const RequestScore a =
      score_continuation(logits.data(), V, 0, static_cast<int64_t>(context.size()), continuation);
  f.reset();
  std::vector<float> rows;
  for (size_t i = 0; i + 1 < all.size(); ++i) {
    const std::vector<float> z = f.step(all[i]);
    if (i + 1 >= context.size()) rows.insert(rows.end(), z.begin(), z.end());
  }
  const auto first = static_cast<int64_t>(context.size()) - 1;
  const RequestScore b =
      score_continuation(rows.data(), V, first, static_cast<int64_t>(context.size()), continuation);
  EXPECT_NEAR(a.loglikelihood, b.loglikelihood, 1e-3 * std::abs(a.loglikelihood));
  EXPECT_EQ(a.greedy, b.greedy);
  EXPECT_LT(a.loglikelihood, 0);
}
