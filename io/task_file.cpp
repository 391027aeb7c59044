#include "io/task_file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "common/error.hpp"
#include "common/json_text.hpp"

namespace ssmsim {

const char* task_kind_name(TaskKind k) {
  return k == TaskKind::kGreedy ? "greedy" : "multiple_choice";
}

namespace {

// Errors of one line: "PATH:LINE: FIELD: what".
struct LineErrors {
  const std::string& path;
  int64_t line;
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw Error(fmt::format("{}:{}: {}: {}", path, line, field, what));
  }
  const nlohmann::json& field(const nlohmann::json& j, const char* key) const {
    if (!j.contains(key)) fail(key, "missing (spec/tasks.md lists the fields)");
    return j[key];
  }
  int64_t integer(const nlohmann::json& v, const std::string& name, int64_t lo, int64_t hi) const {
    if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
      fail(name, fmt::format("{}: expected an integer in [{}, {}]", json_text(v), lo, hi));
    }
    return v.get<int64_t>();
  }
  std::vector<int32_t> ids(const nlohmann::json& v, const std::string& name, int64_t vocab) const {
    if (!v.is_array()) fail(name, json_text(v) + ": expected an array of token ids");
    if (v.empty()) fail(name, "empty: expected at least one token id");
    std::vector<int32_t> out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      const nlohmann::json& t = v[i];
      if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= vocab) {
        fail(fmt::format("{}[{}]", name, i),
             fmt::format("{}: not a token id of the model's vocabulary [0, {})", json_text(t),
                         vocab));
      }
      out.push_back(static_cast<int32_t>(t.get<int64_t>()));
    }
    return out;
  }
};

TaskItem parse_item(const nlohmann::json& j, const LineErrors& e, int64_t vocab) {
  if (!j.is_object()) e.fail("item", "expected a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k != "task" && k != "doc" && k != "kind" && k != "label" && k != "requests") {
      e.fail(k, "unknown field (expected task, doc, kind, label, requests)");
    }
  }
  TaskItem item;
  item.line = e.line;
  const nlohmann::json& task = e.field(j, "task");
  if (!task.is_string() || task.get<std::string>().empty()) {
    e.fail("task", json_text(task) + ": expected a task name");
  }
  item.task = task.get<std::string>();
  item.doc = e.integer(e.field(j, "doc"), "doc", 0, INT64_MAX);
  const nlohmann::json& kind = e.field(j, "kind");
  if (kind == "multiple_choice") {
    item.kind = TaskKind::kMultipleChoice;
  } else if (kind == "greedy") {
    item.kind = TaskKind::kGreedy;
  } else {
    e.fail("kind", json_text(kind) + ": expected \"multiple_choice\" or \"greedy\"");
  }
  const nlohmann::json& reqs = e.field(j, "requests");
  if (!reqs.is_array() || reqs.empty()) {
    e.fail("requests", "expected a non-empty array of requests");
  }
  if (item.kind == TaskKind::kGreedy && reqs.size() != 1) {
    e.fail("requests", fmt::format("{} requests: a greedy item has exactly one", reqs.size()));
  }
  for (size_t i = 0; i < reqs.size(); ++i) {
    const std::string at = fmt::format("requests[{}]", i);
    const nlohmann::json& r = reqs[i];
    if (!r.is_object()) e.fail(at, "expected an object");
    for (auto it = r.begin(); it != r.end(); ++it) {
      const std::string& k = it.key();
      if (k != "context" && k != "continuation" && k != "continuation_chars") {
        e.fail(at + "." + k, "unknown field (expected context, continuation, continuation_chars)");
      }
    }
    TaskRequest q;
    for (const char* key : {"context", "continuation", "continuation_chars"}) {
      if (!r.contains(key)) e.fail(at + "." + key, "missing");
    }
    q.context = e.ids(r["context"], at + ".context", vocab);
    q.continuation = e.ids(r["continuation"], at + ".continuation", vocab);
    q.continuation_chars =
        e.integer(r["continuation_chars"], at + ".continuation_chars", 1, INT64_MAX);
    item.requests.push_back(std::move(q));
  }
  const int64_t n = static_cast<int64_t>(item.requests.size());
  item.label = e.integer(e.field(j, "label"), "label", 0, INT64_MAX);
  if (item.kind == TaskKind::kGreedy && item.label != 0) {
    e.fail("label", fmt::format("{}: a greedy item's label is 0", item.label));
  }
  if (item.label >= n) {
    e.fail("label", fmt::format("{}: out of range for {} request(s) (expected 0..{})", item.label,
                                n, n - 1));
  }
  return item;
}

}  // namespace

std::vector<TaskItem> read_task_file(const std::string& path, int64_t vocab_size) {
  std::ifstream f(path);
  if (!f) throw Error(path + ": cannot open the task file");
  std::vector<TaskItem> items;
  std::set<std::pair<std::string, int64_t>> seen;
  std::string text;
  for (int64_t line = 1; std::getline(f, text); ++line) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines
    const LineErrors e{path, line};
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& x) {
      e.fail("item", std::string("not JSON (") + x.what() + "); expected one item per line");
    }
    TaskItem item = parse_item(j, e, vocab_size);
    if (!seen.emplace(item.task, item.doc).second) {
      e.fail("doc", fmt::format("{} of task \"{}\" is given twice", item.doc, item.task));
    }
    items.push_back(std::move(item));
  }
  if (f.bad()) throw Error(path + ": read error");
  if (items.empty()) throw Error(path + ": no items (one JSON object per line, spec/tasks.md)");
  return items;
}

}  // namespace ssmsim
