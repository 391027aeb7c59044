// Where an operation's data is computed, out of the timing model's sight.
// A unit's b_transport times its command and asks the Datapath to compute
// it; the unit never knows whether that is the trace's data, the W8A8
// pipeline or nothing at all (timing only). The one thing timing needs back
// is the quantizer's soft-edge regions (its multicycle cost depends on them).
// datapath/ holds the implementations; this base computes nothing.
#pragma once

#include <array>
#include <cstdint>

#include "hw/command.hpp"

namespace ssmsim {

// The soft-edge regions of a quantizer command's elements (by
// quant::SeRegion: small, normal, large, saturated).
struct QuantRegions {
  enum class Source {
    kNone,      // no data: no region information
    kElements,  // computed: per element in the caller's buffer, counts here
    kRates,     // timing only: expected fractions (a workload's measured rates)
  };
  Source source = Source::kNone;
  std::array<uint64_t, 4> counts{};  // elements per region (kRates: rounded expectation)
  std::array<double, 4> rates{};     // kRates: fraction of elements per region

  // Computed regions (kElements) with their counts.
  static QuantRegions elements(const std::array<uint64_t, 4>& counts) {
    QuantRegions q;
    q.source = Source::kElements;
    q.counts = counts;
    return q;
  }
};

class Datapath {
 public:
  virtual ~Datapath() = default;
  // Computes the command's operation on its rows (every unit but the
  // quantizer, which calls quantize).
  virtual void compute(const Command& c) { (void)c; }
  // The SSM-input quantizer's operation; with kElements, regions[i] holds
  // element i's region (regions has c.elements entries).
  virtual QuantRegions quantize(const Command& c, uint8_t* regions) {
    (void)c;
    (void)regions;
    return {};
  }
};

}  // namespace ssmsim
