// Writing results: a human table on stdout, JSON and CSV files beside the
// effective configuration. Files are written to a temporary name and renamed,
// so an interrupted run never leaves a complete-looking half file, and
// existing results are only replaced when the user passes --force.
#pragma once

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mamba/scoring.hpp"

namespace ssmsim {

using ojson = nlohmann::ordered_json;

// Creates dir (and parents). Refuses when one of `files` already exists in
// it and force is false, naming the file. With force, `stale` files (results
// of the same command that this run will not write) are removed, so the
// folder holds one run's results.
void prepare_output_dir(const std::string& dir, const std::vector<std::string>& files, bool force,
                        const std::vector<std::string>& stale = {});

// One output file outside a results folder (a VCD, a scales file): creates
// its folder, refuses an existing file without force, and checks that it can
// be written, before any work.
void prepare_output_file(const std::string& path, bool force);

// Writes content to path atomically (temporary file + rename).
void write_file_atomic(const std::string& path, const std::string& content);

// The same, streamed: write to out(), then commit() renames the temporary
// file into place; without commit() (an exception) it is removed.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  std::ostream& out() { return out_; }
  void commit();

 private:
  std::string path_, tmp_;
  std::ofstream out_;
  bool committed_ = false;
};

// JSON cannot hold infinities: they are written as null.
ojson json_number_or_null(double v);

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string str() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

class CsvWriter {
 public:
  explicit CsvWriter(std::vector<std::string> header);
  void add(const std::vector<std::string>& row);
  const std::string& str() const { return out_; }

 private:
  size_t columns_;
  std::string out_;
};

// A progress line on a terminal: "what: 120/512 samples, 9.8 samples/s,
// 40 s left", redrawn in place on stderr at most five times a second.
class ProgressLine {
 public:
  ProgressLine(std::string what, std::string unit);
  void update(size_t done, size_t total);
  void finish();  // the last count, then a newline

 private:
  std::string what_, unit_;
  double start_s_, last_s_ = -1;
  size_t done_ = 0, total_ = 0;
  void draw(double now_s);
};

// Shortest round-trip text of a double ("inf" for infinity); append_num
// writes the same text at the end of a buffer.
std::string num(double v);
void append_num(fmt::memory_buffer& out, double v);

// A scored model's figures at its output, against the fp32 model (the
// eval table, eval.csv and run --pipeline w8a8's table derive from these).
struct OutputFigures {
  double ce_nats = 0, bits_per_token = 0, perplexity = 0;
  double delta_ce_nats = 0, delta_ce_stderr_nats = 0;
  double top1_agreement_pct = 100;  // argmax equal to the fp32 model's
};
OutputFigures output_figures(const Score& s, const Score& fp32);
// The fp32 model's own (no difference, full agreement).
OutputFigures output_figures(const Score& fp32);

}  // namespace ssmsim
