// Zero-shot task files (../shared/spec/tasks.md): JSON Lines of tokenized
// loglikelihood requests, as lm-evaluation-harness reduces its tasks to
// them. Read line by line; every error names the file, the line and the
// field, and what was expected.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ssmsim {

struct TaskRequest {
  std::vector<int32_t> context, continuation;
  int64_t continuation_chars = 0;  // the continuation's text length (acc_norm)
};

enum class TaskKind { kMultipleChoice, kGreedy };
const char* task_kind_name(TaskKind k);

struct TaskItem {
  std::string task;
  int64_t doc = 0;
  TaskKind kind = TaskKind::kMultipleChoice;
  int64_t label = 0;  // the correct request (multiple choice); 0 for greedy
  std::vector<TaskRequest> requests;
  int64_t line = 0;  // in its file, from 1
};

// Every item of `path`; token ids must lie in [0, vocab_size). Throws Error
// "PATH:LINE: FIELD: ..." for a malformed line, a missing or unknown field,
// an empty context or continuation, an id out of the vocabulary, a label
// out of range, a greedy item with other than one request, a (task, doc)
// given twice, or a file with no items.
std::vector<TaskItem> read_task_file(const std::string& path, int64_t vocab_size);

}  // namespace ssmsim
