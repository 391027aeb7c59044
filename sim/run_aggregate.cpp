#include "sim/run_aggregate.hpp"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace ssmsim {

RunAggregate::RunAggregate(const ArchConfig& arch, int64_t n_layer)
    : arch_(arch),
      energy_table_(arch),
      per_(static_cast<size_t>(n_layer + 1)),
      per_layer_(static_cast<size_t>(n_layer + 1)) {}

void RunAggregate::add(const OpRecord& r) {
  if (r.layer < 0 || r.layer >= layers()) {
    throw Error("internal: an operation of layer " + std::to_string(r.layer) + " in a model of " +
                std::to_string(layers() - 1) + " layers");
  }
  const Energy e = op_energy(r, energy_table_);
  per_[static_cast<size_t>(r.layer)][static_cast<size_t>(r.unit)].add(r, e);
  per_layer_[static_cast<size_t>(r.layer)].add(r, e);
  per_unit_[static_cast<size_t>(r.unit)].add(r, e);
  per_kernel_[static_cast<size_t>(r.op)][r.decode ? 1 : 0].add(r, e);
  kernel_unit_[static_cast<size_t>(r.op)] = r.unit;
  energy_.add(e);
  ++ops_;
  spans_.push_back({r.start_cycle, r.end_cycle, r.tile, static_cast<int32_t>(r.layer), r.unit});
  if (r.unit == Unit::kGemm) {
    gemm_.push_back(gemm_record(r));
  }
}

Attribution RunAggregate::attribute(uint64_t total_cycles) const {
  Attribution a;
  a.layer_cycles.assign(per_layer_.size(), 0);
  // Sweep the start and end events in time order (events of one time may
  // come in any order: cycles are given only when the time advances); the
  // running operations are kept ordered by (tile, layer, their index).
  // Operations arrive in completion order, so the ends are usually sorted
  // already: only the starts need sorting, and the two lists are merged.
  using Event = std::pair<uint64_t, uint32_t>;  // (time, span)
  std::vector<Event> starts, ends;
  starts.reserve(spans_.size());
  ends.reserve(spans_.size());
  for (size_t i = 0; i < spans_.size(); ++i) {
    if (spans_[i].end == spans_[i].start) continue;
    starts.emplace_back(spans_[i].start, static_cast<uint32_t>(i));
    ends.emplace_back(spans_[i].end, static_cast<uint32_t>(i));
  }
  const auto by_time = [](const Event& x, const Event& y) { return x.first < y.first; };
  std::sort(starts.begin(), starts.end(), by_time);
  if (!std::is_sorted(ends.begin(), ends.end(), by_time)) {
    std::sort(ends.begin(), ends.end(), by_time);
  }
  // Few operations run at once: a sorted vector, no node per insertion.
  using Key = std::tuple<int64_t, int32_t, uint32_t>;
  std::vector<Key> running;
  uint64_t t = 0;
  auto give = [&](uint64_t until) {
    until = std::min(until, total_cycles);
    if (until <= t) return;
    if (running.empty()) {
      a.idle_cycles += until - t;
    } else {
      const Span& s = spans_[std::get<2>(running.front())];
      a.layer_cycles[static_cast<size_t>(s.layer)] += until - t;
      a.unit_cycles[static_cast<size_t>(s.unit)] += until - t;
    }
    t = until;
  };
  for (size_t si = 0, ei = 0; si < starts.size() || ei < ends.size();) {
    const bool end =
        ei < ends.size() && (si == starts.size() || ends[ei].first <= starts[si].first);
    const Event e = end ? ends[ei++] : starts[si++];
    give(e.first);
    const Span& s = spans_[e.second];
    const Key k{s.tile, s.layer, e.second};
    const auto at = std::lower_bound(running.begin(), running.end(), k);
    if (!end) {
      running.insert(at, k);
    } else if (at != running.end() && *at == k) {
      running.erase(at);
    }
  }
  give(total_cycles);
  return a;
}

GemmOpRecord gemm_record(const OpRecord& r) {
  return {r.op,
          r.layer,
          r.tile,
          r.M,
          r.N,
          r.K,
          r.count,
          r.fp16,
          r.compute_cycles,
          r.busy_cycles,
          r.stall_cycles,
          r.queue_cycles,
          r.start_cycle,
          r.end_cycle,
          r.dram_read_bytes + r.dram_write_bytes,
          r.sram_read_bytes + r.sram_write_bytes,
          r.mapping};
}

const char* kernel_bound(const Agg& a, const ArchConfig& arch, double period_ns) {
  const double dram =
      static_cast<double>(a.dram_r + a.dram_w) / (arch.dram.bandwidth_gbps * period_ns);
  const double sram = static_cast<double>(a.sram_r + a.sram_w) /
                      static_cast<double>(arch.sram.ports * arch.sram.port_bytes);
  const auto busy = static_cast<double>(a.busy);
  const double most = std::max({busy, dram, sram});
  return most == busy ? "compute" : most == dram ? "dram" : "sram";
}

GemmBound gemm_bound(const GemmOpRecord& g, const ArchConfig& a, double period_ns) {
  const double dram = static_cast<double>(g.dram_bytes) / (a.dram.bandwidth_gbps * period_ns);
  const double sram =
      static_cast<double>(g.sram_bytes) / static_cast<double>(a.sram.ports * a.sram.port_bytes);
  const auto compute = static_cast<double>(g.compute_cycles);
  const double most = std::max({compute, dram, sram});
  const auto took = static_cast<double>(g.end_cycle - g.start_cycle);
  const char* b = took > 1.5 * most ? "latency"
                  : most == compute ? "compute"
                  : most == dram    ? "dram"
                                    : "sram";
  return {b, dram, sram};
}

}  // namespace ssmsim
