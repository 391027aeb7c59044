#include "sim/timeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "sim/run_aggregate.hpp"

namespace ssmsim {

TimelineWriter::TimelineWriter(const std::string& path, OpSink& next, const ArchConfig& arch,
                               int64_t n_layer)
    : file_(path), next_(next), arch_(arch), n_layer_(n_layer), period_ns_(arch.clock_period_ns()) {
  std::ostream& o = file_.out();
  // Time in µs (the format's unit); durations exact to the picosecond.
  o << "{\"displayTimeUnit\": \"ns\",\n\"otherData\": {\"generator\": \"ssmsim run\", "
       "\"clock_mhz\": "
    << fmt::format("{}", arch.clock_mhz) << "},\n\"traceEvents\": [\n";
  o << "{\"ph\": \"M\", \"pid\": 1, \"name\": \"process_name\", \"args\": {\"name\": "
       "\"ssmsim accelerator\"}}";
  for (int u = 0; u < kUnitCount; ++u) {
    o << fmt::format(
        ",\n{{\"ph\": \"M\", \"pid\": 1, \"tid\": {}, \"name\": \"thread_name\", \"args\": "
        "{{\"name\": \"{}\"}}}},\n{{\"ph\": \"M\", \"pid\": 1, \"tid\": {}, \"name\": "
        "\"thread_sort_index\", \"args\": {{\"sort_index\": {}}}}}",
        u + 1, unit_name(static_cast<Unit>(u)), u + 1, u);
  }
  for (auto& q : queue_cycles_) q.clear();
}

void TimelineWriter::widen(uint64_t cycle) {
  while (cycle / bin_cycles_ >= kMaxBins) {
    // Halve the resolution: merge bin pairs.
    const auto merge = [](std::vector<double>& v) {
      for (size_t i = 0; i < v.size(); i += 2) v[i / 2] = v[i] + (i + 1 < v.size() ? v[i + 1] : 0);
      v.resize((v.size() + 1) / 2);
    };
    merge(dram_bytes_);
    for (auto& q : queue_cycles_) merge(q);
    bin_cycles_ *= 2;
  }
}

void TimelineWriter::spread(std::vector<double>& bins, uint64_t a, uint64_t b, double amount) {
  if (b <= a) return;
  const size_t last = static_cast<size_t>((b - 1) / bin_cycles_);
  if (bins.size() <= last) bins.resize(last + 1, 0.0);
  const double per_cycle = amount / static_cast<double>(b - a);
  for (size_t i = static_cast<size_t>(a / bin_cycles_); i <= last; ++i) {
    const uint64_t lo = std::max<uint64_t>(a, i * bin_cycles_),
                   hi = std::min<uint64_t>(b, (i + 1) * bin_cycles_);
    bins[i] += per_cycle * static_cast<double>(hi - lo);
  }
}

void TimelineWriter::add(const OpRecord& r) {
  next_.add(r);
  max_end_ = std::max(max_end_, r.end_cycle);
  const double ts_us = static_cast<double>(r.start_cycle) * period_ns_ / 1000.0;
  const double dur_us = static_cast<double>(r.end_cycle - r.start_cycle) * period_ns_ / 1000.0;
  const std::string layer = r.layer < n_layer_ ? std::to_string(r.layer) : "\"head\"";
  std::string gemm;
  if (r.unit == Unit::kGemm) {
    const GemmOpRecord g = gemm_record(r);
    gemm = fmt::format(
        ", \"M\": {}, \"N\": {}, \"K\": {}, \"count\": {}, \"compute_cycles\": {}, \"bound\": "
        "\"{}\"",
        r.M, r.N, r.K, r.count, r.compute_cycles, gemm_bound(g, arch_, period_ns_).bound);
  }
  file_.out() << fmt::format(
      ",\n{{\"ph\": \"X\", \"pid\": 1, \"tid\": {}, \"name\": \"{}\", \"cat\": \"{}\", \"ts\": "
      "{:.6f}, "
      "\"dur\": {:.6f}, \"args\": {{\"layer\": {}, \"tile\": {}, \"phase\": \"{}\", "
      "\"start_cycle\": {}, \"end_cycle\": {}, \"busy_cycles\": {}, \"stall_cycles\": {}, "
      "\"queue_cycles\": {}, \"dram_read_bytes\": {}, \"dram_write_bytes\": {}, "
      "\"sram_read_bytes\": {}, \"sram_write_bytes\": {}{}}}}}",
      static_cast<int>(r.unit) + 1, op_name(r.op), unit_name(r.unit), ts_us, dur_us, layer, r.tile,
      r.decode ? "decode" : "prefill", r.start_cycle, r.end_cycle, r.busy_cycles, r.stall_cycles,
      r.queue_cycles, r.dram_read_bytes, r.dram_write_bytes, r.sram_read_bytes, r.sram_write_bytes,
      gemm);
  ++slices_;
  // Counters: DRAM bytes spread over the operation; its queue wait just
  // before it started (it held no unit then).
  widen(r.end_cycle);
  spread(dram_bytes_, r.start_cycle, r.end_cycle,
         static_cast<double>(r.dram_read_bytes + r.dram_write_bytes));
  const uint64_t q0 = r.start_cycle >= r.queue_cycles ? r.start_cycle - r.queue_cycles : 0;
  spread(queue_cycles_[static_cast<size_t>(r.unit)], q0, r.start_cycle,
         static_cast<double>(r.start_cycle - q0));
}

void TimelineWriter::finish(uint64_t end_cycle) {
  end_cycle = std::max(end_cycle, max_end_);
  widen(end_cycle);
  std::ostream& o = file_.out();
  const size_t bins = static_cast<size_t>((end_cycle + bin_cycles_ - 1) / bin_cycles_);
  const double bin_ns = static_cast<double>(bin_cycles_) * period_ns_;
  const auto at = [&](const std::vector<double>& v, size_t i) { return i < v.size() ? v[i] : 0.0; };
  for (size_t i = 0; i < bins; ++i) {
    const double ts = static_cast<double>(i) * bin_ns / 1000.0;
    // Bytes per ns = GB/s.
    o << fmt::format(
        ",\n{{\"ph\": \"C\", \"pid\": 1, \"name\": \"dram_gbps\", \"ts\": {:.6f}, \"args\": "
        "{{\"GB/s\": {:.6g}}}}}",
        ts, at(dram_bytes_, i) / bin_ns);
    std::string q;
    for (int u = 0; u < kUnitCount; ++u) {
      q += fmt::format(
          "{}\"{}\": {:.6g}", u ? ", " : "", unit_name(static_cast<Unit>(u)),
          at(queue_cycles_[static_cast<size_t>(u)], i) / static_cast<double>(bin_cycles_));
    }
    o << fmt::format(
        ",\n{{\"ph\": \"C\", \"pid\": 1, \"name\": \"queue_depth_ops\", \"ts\": {:.6f}, \"args\": "
        "{{{}}}}}",
        ts, q);
  }
  o << fmt::format(
      "\n],\n\"ssmsim\": {{\"slices\": {}, \"end_cycle\": {}, \"counter_bin_cycles\": {}, "
      "\"counter_bins\": {}, \"arch\": {}, \"quantizer\": \"{}\"}}\n}}\n",
      slices_, end_cycle, bin_cycles_, bins, nlohmann::json(arch_.name).dump(),
      arch_.quantizer_label());
  file_.commit();
}

}  // namespace ssmsim
