// Timing-only runs on a workload (no data): nothing is computed, and the
// quantizer's data-dependent cost comes from the workload's measured
// soft-edge region rates.
#pragma once

#include <array>
#include <cmath>

#include "hw/datapath.hpp"

namespace ssmsim {

class RatesDatapath : public Datapath {
 public:
  // Fractions of elements per region (quant::SeRegion order).
  explicit RatesDatapath(const std::array<double, 4>& rates) : rates_(rates) {}
  QuantRegions quantize(const Command& c, uint8_t* regions) override {
    (void)regions;
    QuantRegions q;
    q.source = QuantRegions::Source::kRates;
    q.rates = rates_;
    for (size_t r = 0; r < rates_.size(); ++r) {
      q.counts[r] =
          static_cast<uint64_t>(std::llround(static_cast<double>(c.elements) * rates_[r]));
    }
    return q;
  }

 private:
  std::array<double, 4> rates_;
};

}  // namespace ssmsim
