#include "sim/report.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"

namespace ssmsim {

namespace fs = std::filesystem;

void prepare_output_dir(const std::string& dir, const std::vector<std::string>& files, bool force,
                        const std::vector<std::string>& stale) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw Error(dir + ": output path exists and is not a directory");
  }
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir + ": cannot create output directory: " + ec.message());
  if (force) {
    for (const auto& f : stale) {
      fs::remove(fs::path(dir) / f, ec);
      if (ec) throw Error((fs::path(dir) / f).string() + ": cannot remove: " + ec.message());
    }
    return;
  }
  for (const auto& f : files) {
    const fs::path p = fs::path(dir) / f;
    if (fs::exists(p, ec)) {
      throw Error(p.string() + ": exists; pass --force to overwrite, or choose another --out");
    }
  }
}

void prepare_output_file(const std::string& path, bool force) {
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_directory(p, ec)) throw Error(path + ": is a directory; expected a file name");
  if (fs::exists(p, ec) && !force) throw Error(path + ": exists; pass --force to overwrite");
  if (!p.parent_path().empty()) {
    fs::create_directories(p.parent_path(), ec);
    if (ec) throw Error(path + ": cannot create its folder: " + ec.message());
  }
  // Writable now, not after minutes of work (nothing is left behind).
  const bool existed = fs::exists(p, ec);
  {
    std::ofstream probe(path, std::ios::app);
    if (!probe) throw Error(path + ": cannot be written");
  }
  if (!existed) fs::remove(p, ec);
}

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
  out_.open(tmp_, std::ios::binary | std::ios::trunc);
  if (!out_) throw Error(tmp_ + ": cannot open for writing");
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::remove(tmp_.c_str());
  }
}

void AtomicFile::commit() {
  out_.flush();
  if (!out_) throw Error(tmp_ + ": write failed");
  out_.close();
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    std::remove(tmp_.c_str());
    throw Error(path_ + ": cannot rename the temporary file into place");
  }
  committed_ = true;
}

void write_file_atomic(const std::string& path, const std::string& content) {
  AtomicFile f(path);
  f.out() << content;
  f.commit();
}

namespace {
double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

ProgressLine::ProgressLine(std::string what, std::string unit)
    : what_(std::move(what)), unit_(std::move(unit)), start_s_(now_seconds()) {}

void ProgressLine::update(size_t done, size_t total) {
  done_ = done, total_ = total;
  const double now = now_seconds();
  if (done >= total || now - last_s_ < 0.2) return;  // finish() draws the last
  draw(now);
}

void ProgressLine::draw(double now) {
  last_s_ = now;
  const double elapsed = now - start_s_;
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  const double left = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0.0;
  std::fprintf(stderr, "\r%s: %zu/%zu %s, %.1f %s/s, %.0f s left   ", what_.c_str(), done_, total_,
               unit_.c_str(), rate, unit_.c_str(), left);
  std::fflush(stderr);
}

void ProgressLine::finish() {
  draw(now_seconds());
  std::fprintf(stderr, "\n");
}

ojson json_number_or_null(double v) { return std::isfinite(v) ? ojson(v) : ojson(nullptr); }

void append_num(fmt::memory_buffer& out, double v) {
  if (std::isinf(v)) {
    out.append(std::string_view(v > 0 ? "inf" : "-inf"));
  } else {
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}"), v);
  }
}

std::string num(double v) {
  fmt::memory_buffer out;
  append_num(out, v);
  return fmt::to_string(out);
}

std::string TextTable::str() const {
  std::vector<size_t> w(header_.size(), 0);
  auto widen = [&w](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  };
  widen(header_);
  for (const auto& r : rows_) widen(r);
  std::string out;
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < w.size(); ++i) {
      const std::string& c = i < r.size() ? r[i] : std::string();
      // First column left-aligned (names), the rest right-aligned (numbers).
      out += i == 0 ? fmt::format("{:<{}}", c, w[i]) : fmt::format("  {:>{}}", c, w[i]);
    }
    out += '\n';
  };
  line(header_);
  size_t total = 0;
  for (size_t x : w) total += x + 2;
  out += std::string(total - 2, '-') + '\n';
  for (const auto& r : rows_) line(r);
  return out;
}

CsvWriter::CsvWriter(std::vector<std::string> header) : columns_(header.size()) { add(header); }

void CsvWriter::add(const std::vector<std::string>& row) {
  if (row.size() != columns_) throw Error("internal: CSV row has the wrong column count");
  for (size_t i = 0; i < row.size(); ++i) {
    if (i) out_ += ',';
    const std::string& c = row[i];
    if (c.find_first_of(",\"\n") != std::string::npos) {
      out_ += '"';
      for (char ch : c) out_ += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      out_ += '"';
    } else {
      out_ += c;
    }
  }
  out_ += '\n';
}

OutputFigures output_figures(const Score& s, const Score& fp32) {
  OutputFigures f;
  f.ce_nats = s.ce();
  f.bits_per_token = s.ce() / std::log(2.0);
  f.perplexity = std::exp(s.ce());
  f.delta_ce_nats = s.ce() - fp32.ce();
  f.delta_ce_stderr_nats = s.delta_ce_stderr();
  f.top1_agreement_pct = 100.0 * static_cast<double>(s.agree) /
                         static_cast<double>(std::max<uint64_t>(1, s.predictions));
  return f;
}

OutputFigures output_figures(const Score& fp32) {
  OutputFigures f;
  f.ce_nats = fp32.ce();
  f.bits_per_token = fp32.ce() / std::log(2.0);
  f.perplexity = std::exp(fp32.ce());
  return f;
}

}  // namespace ssmsim
