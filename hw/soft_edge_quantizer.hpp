// The SSM-input quantizer stage: `lanes` elements per cycle through a
// pipeline of `pipeline_depth` stages (+ `se_extra_latency` for the SE
// classification). Modes int8, se and se-authors; SE words go to the scan
// unit (quant2scan), INT8 to the x_proj GEMM
// (quant2gemm). With `multicycle`, each vector of `lanes` elements holding s
// special elements costs ceil(s * extra_cycles / lanes) more cycles, so the
// cycle count depends on the data: the Datapath says each element's
// soft-edge region (or, timing only, the expected region rates).
#pragma once

#include <array>

#include "config/arch_config.hpp"
#include "hw/unit_base.hpp"
#include "numeric/quantizer.hpp"

namespace ssmsim {

class SoftEdgeQuantizer : public UnitBase {
 public:
  tlm_utils::simple_initiator_socket<SoftEdgeQuantizer> quant2scan;
  tlm_utils::simple_initiator_socket<SoftEdgeQuantizer> quant2gemm;

  SoftEdgeQuantizer(sc_core::sc_module_name name, const QuantizerConfig& cfg,
                    const UnitContext& ctx);
  void trace_signals(sc_core::sc_trace_file* tf) const;

  // Pipeline latency of one operation (cycles).
  static uint64_t latency(const QuantizerConfig& q);
  // Extra multicycle cycles for per-element special flags, vector by vector.
  static uint64_t multicycle_extra(const QuantizerConfig& q, const std::vector<uint8_t>& special);
  // Timing-only runs: the expected extra cycles of `elements` elements when
  // each is special with probability p, independently: per vector of n
  // lanes, E[ceil(S * extra / lanes)] with S ~ Binomial(n, p), rounded.
  static uint64_t expected_multicycle_extra(const QuantizerConfig& q, uint64_t elements, double p);
  // Probability that an element is special, from region fractions.
  static double special_probability(const QuantizerConfig& q,
                                    const std::array<double, 4>& region_frac);
  const std::array<uint64_t, quant::kSeRegionCount>& region_counts() const { return regions_; }

 protected:
  sc_core::sc_time execute(const Command& d, OpRecord& rec) override;
  void update_signals() override;

 private:
  void send(tlm_utils::simple_initiator_socket<SoftEdgeQuantizer>& s, const Command& d,
            uint64_t bytes);
  QuantizerConfig cfg_;
  quant::QuantKind kind_;
  std::array<uint64_t, quant::kSeRegionCount> regions_{};
  sc_core::sc_signal<uint64_t> small_sig_, normal_sig_, large_sig_, saturated_sig_;
  std::vector<uint8_t> special_;
  std::vector<uint8_t> element_regions_;  // from the datapath, per element
};

}  // namespace ssmsim
