// ssmsim eval --tasks: zero-shot task accuracy (spec/tasks.md) of the fp32
// model and of Quamba's W8A8 pipeline with each SSM-input quantizer
// (Mamba-2: under each scale scheme), scored as lm-evaluation-harness does
// (mamba/task_scoring.hpp). Every request runs its context and
// continuation through the model once.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/model_dims.hpp"
#include "io/task_file.hpp"
#include "mamba/task_scoring.hpp"
#include "mamba/w8a8_mamba2.hpp"
#include "numeric/quantizer.hpp"

namespace ssmsim {

struct TaskEvalRequest {
  std::string model;                    // checkpoint folder
  std::vector<std::string> task_files;  // JSON Lines (spec/tasks.md)
  std::vector<std::string> calib;       // calibration traces (or scales_file)
  std::string scales_file;              // from ssmsim calibrate
  std::vector<quant::QuantKind> kinds;
  std::vector<ScaleScheme> schemes;  // Mamba-2 (empty: both)
  double percentile = 99.99;
};

struct TaskEvalResult {
  TaskEvalRequest request;
  ModelArch arch = ModelArch::kMamba1;
  std::vector<TaskItem> items;      // every file's, in order
  std::vector<std::string> labels;  // "fp32", then "int8", "se", ... (Mamba-2: "se/quamba2")
  // [label][item][request], [label][item], [label][task]
  std::vector<std::vector<std::vector<RequestScore>>> requests;
  std::vector<std::vector<ItemScore>> scores;
  std::vector<std::vector<TaskMetrics>> metrics;
  int64_t scored_tokens = 0;  // per label: the tokens run through the model
  double wall_s = 0;
};

TaskEvalResult evaluate_tasks(const TaskEvalRequest& r);

// The table on `out`, OUT/eval.json (options, per task and quantizer, and
// per item and quantizer the loglikelihoods and greedy flags), OUT/eval.csv
// (per task and quantizer) and OUT/eval.items.csv (per request).
void write_task_report(const TaskEvalResult& res, const nlohmann::ordered_json& options,
                       const std::string& out_dir, std::ostream& out);

}  // namespace ssmsim
