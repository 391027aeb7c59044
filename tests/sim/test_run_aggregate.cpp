// The run's attribution of cycles to layers and units against a brute-force
// count, cycle by cycle, of the same rule: each cycle goes to the running
// operation first in (tile, layer, arrival) order, or is idle.
#include <gtest/gtest.h>

#include <random>
#include <tuple>
#include <vector>

#include "sim/run_aggregate.hpp"

namespace ssmsim {
namespace {

Attribution brute_force(const std::vector<OpRecord>& ops, int64_t n_layer, uint64_t total) {
  Attribution a;
  a.layer_cycles.assign(static_cast<size_t>(n_layer + 1), 0);
  for (uint64_t c = 0; c < total; ++c) {
    const OpRecord* first = nullptr;
    std::tuple<int64_t, int64_t, size_t> best;
    for (size_t i = 0; i < ops.size(); ++i) {
      const OpRecord& r = ops[i];
      if (r.start_cycle > c || c >= r.end_cycle) continue;
      const auto key = std::make_tuple(r.tile, r.layer, i);
      if (first == nullptr || key < best) first = &r, best = key;
    }
    if (first == nullptr) {
      ++a.idle_cycles;
    } else {
      ++a.layer_cycles[static_cast<size_t>(first->layer)];
      ++a.unit_cycles[static_cast<size_t>(first->unit)];
    }
  }
  return a;
}

// Random operations: overlapping, touching, empty, sharing start and end
// times, ending past the run's total, and arriving in end order (as
// completions do) or shuffled.
TEST(RunAggregate, AttributionMatchesCycleByCycleCount) {
  std::mt19937_64 rng(20261127);
  const ArchConfig arch;
  for (int trial = 0; trial < 300; ++trial) {
    const int64_t n_layer = 1 + static_cast<int64_t>(rng() % 4);
    const auto n = static_cast<size_t>(rng() % 40);
    std::vector<OpRecord> ops(n);
    for (OpRecord& r : ops) {
      r.unit = static_cast<Unit>(rng() % kUnitCount);
      r.layer = static_cast<int64_t>(rng() % static_cast<uint64_t>(n_layer + 1));
      r.tile = static_cast<int64_t>(rng() % 4);
      r.start_cycle = rng() % 60;
      r.end_cycle = r.start_cycle + rng() % 25 * (rng() % 4 != 0);
    }
    if (trial % 2 == 0) {
      std::stable_sort(ops.begin(), ops.end(), [](const OpRecord& x, const OpRecord& y) {
        return x.end_cycle < y.end_cycle;
      });
    }
    const uint64_t total = 40 + rng() % 50;
    RunAggregate agg(arch, n_layer);
    for (const OpRecord& r : ops) agg.add(r);
    const Attribution got = agg.attribute(total), want = brute_force(ops, n_layer, total);
    ASSERT_EQ(got.layer_cycles, want.layer_cycles) << "trial " << trial;
    ASSERT_EQ(got.unit_cycles, want.unit_cycles) << "trial " << trial;
    ASSERT_EQ(got.idle_cycles, want.idle_cycles) << "trial " << trial;
  }
}

}  // namespace
}  // namespace ssmsim
