// Task files (spec/tasks.md): the shared sample reads as the spec says, and
// every malformed item is an error naming the file, the line and the field.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "io/task_file.hpp"

using namespace ssmsim;

namespace {

const std::string kGood = R"({"task":"t","doc":0,"kind":"multiple_choice","label":1,"requests":[)"
                          R"({"context":[1,2],"continuation":[3],"continuation_chars":1},)"
                          R"({"context":[1,2],"continuation":[4,5],"continuation_chars":2}]})";
const std::string kGreedy = R"({"task":"g","doc":0,"kind":"greedy","label":0,"requests":[)"
                            R"({"context":[7],"continuation":[8,9],"continuation_chars":2}]})";

std::string write(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << text;
  return path;
}

// The error of reading `lines` (vocabulary of 10), or "(no error)".
std::string error_of(const std::string& lines) {
  const std::string path = write("ssmsim_task_file_test.jsonl", lines);
  try {
    read_task_file(path, 10);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// kGood with `from` replaced by `to`.
std::string good_with(const std::string& from, const std::string& to) {
  std::string s = kGood;
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST(TaskFile, ReadsTheSharedSample) {
  const std::string path = std::string(SSMSIM_SHARED_DIR) + "/data/tasks-bytes-sample.jsonl";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no ../shared task sample";
  const std::vector<TaskItem> items = read_task_file(path, 256);
  ASSERT_EQ(items.size(), 352u);
  size_t mc = 0;
  for (const TaskItem& it : items) {
    if (it.kind == TaskKind::kMultipleChoice) {
      ++mc;
      EXPECT_EQ(it.task, "pile_cont_mc");
      EXPECT_EQ(it.requests.size(), 4u);
      EXPECT_LT(it.label, 4);
    } else {
      EXPECT_EQ(it.task, "pile_next4");
      EXPECT_EQ(it.requests.size(), 1u);
    }
  }
  EXPECT_EQ(mc, 176u);
  EXPECT_EQ(items[0].line, 1);
  EXPECT_EQ(items[0].requests[0].context.size(), 64u);  // 64-byte context
  EXPECT_EQ(items[0].requests[0].continuation.size(), 24u);
  // A vocabulary too small for its bytes is named.
  EXPECT_THROW(read_task_file(path, 100), Error);
}

TEST(TaskFile, ReadsBothKindsAndSkipsBlankLines) {
  const std::string path = write("ssmsim_task_file_ok.jsonl", kGood + "\n\n" + kGreedy + "\n");
  const std::vector<TaskItem> items = read_task_file(path, 10);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].label, 1);
  EXPECT_EQ(items[0].requests[1].continuation, (std::vector<int32_t>{4, 5}));
  EXPECT_EQ(items[1].kind, TaskKind::kGreedy);
  EXPECT_EQ(items[1].line, 3);
}

TEST(TaskFile, BadItemsNameTheLineAndTheField) {
  const std::string second = kGreedy + "\n";  // line 1 is fine, the error is on line 2
  const struct {
    std::string item, want;
  } cases[] = {
      {good_with(R"("task":"t",)", ""), ":2: task: missing"},
      {good_with(R"("label":1,)", ""), ":2: label: missing"},
      {good_with(R"("context":[1,2],"continuation":[3])", R"("continuation":[3])"),
       ":2: requests[0].context: missing"},
      {good_with(R"("context":[1,2],"continuation":[3])", R"("context":[],"continuation":[3])"),
       ":2: requests[0].context: empty: expected at least one token id"},
      {good_with(R"("continuation":[4,5])", R"("continuation":[])"),
       ":2: requests[1].continuation: empty"},
      {good_with(R"("continuation":[4,5])", R"("continuation":[4,12])"),
       ":2: requests[1].continuation[1]: 12: not a token id of the model's vocabulary [0, 10)"},
      {good_with(R"("context":[1,2],"continuation":[3])", R"("context":[-1],"continuation":[3])"),
       ":2: requests[0].context[0]: -1"},
      {good_with(R"("label":1)", R"("label":2)"),
       ":2: label: 2: out of range for 2 request(s) (expected 0..1)"},
      {good_with(R"("kind":"multiple_choice")", R"("kind":"mc")"),
       R"(:2: kind: "mc": expected "multiple_choice" or "greedy")"},
      {good_with(R"("kind":"multiple_choice")", R"("kind":"greedy")"),
       ":2: requests: 2 requests: a greedy item has exactly one"},
      {good_with(R"("doc":0)", R"("doc":0,"extra":1)"), ":2: extra: unknown field"},
      {good_with(R"("continuation_chars":1)", R"("continuation_chars":0)"),
       ":2: requests[0].continuation_chars: 0: expected an integer in [1, "},
      {"{not json", ":2: item: not JSON"},
  };
  for (const auto& c : cases) {
    const std::string got = error_of(second + c.item + "\n");
    EXPECT_NE(got.find(c.want), std::string::npos) << "want: " << c.want << "\ngot: " << got;
    EXPECT_NE(got.find("ssmsim_task_file_test.jsonl"), std::string::npos) << got;
  }
  EXPECT_NE(error_of(kGood + "\n" + kGood + "\n").find(":2: doc: 0 of task \"t\" is given twice"),
            std::string::npos);
  EXPECT_NE(error_of("\n\n").find("no items"), std::string::npos);
}
