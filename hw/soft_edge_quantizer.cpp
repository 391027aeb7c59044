#include "hw/soft_edge_quantizer.hpp"

#include <cmath>

namespace ssmsim {

using sc_core::sc_time;

SoftEdgeQuantizer::SoftEdgeQuantizer(sc_core::sc_module_name name, const QuantizerConfig& cfg,
                                     const UnitContext& ctx)
    : UnitBase(name, Unit::kQuant, ctx),
      quant2scan("quant2scan"),
      quant2gemm("quant2gemm"),
      cfg_(cfg),
      kind_(cfg.mode),
      small_sig_("se_small", 0),
      normal_sig_("se_normal", 0),
      large_sig_("se_large", 0),
      saturated_sig_("se_saturated", 0) {}

uint64_t SoftEdgeQuantizer::latency(const QuantizerConfig& q) {
  const int64_t extra = quant::se_extra(q.mode, q.se_extra_latency, q.se_authors_extra_latency);
  return static_cast<uint64_t>(q.pipeline_depth + extra);
}

uint64_t SoftEdgeQuantizer::multicycle_extra(const QuantizerConfig& q,
                                             const std::vector<uint8_t>& special) {
  if (!q.multicycle || q.mode == quant::QuantKind::kInt8) return 0;
  const auto lanes = static_cast<size_t>(q.lanes);
  const auto extra = static_cast<uint64_t>(q.multicycle_extra_cycles);
  uint64_t total = 0;
  for (size_t v = 0; v < special.size(); v += lanes) {
    uint64_t s = 0;
    for (size_t i = v; i < std::min(special.size(), v + lanes); ++i) s += special[i];
    total += (s * extra + lanes - 1) / lanes;
  }
  return total;
}

namespace {

// E[ceil(S * extra / lanes)], S ~ Binomial(n, p), summed in log space so that
// wide vectors (thousands of lanes) do not underflow.
double expected_vector_extra(uint64_t n, double p, uint64_t extra, uint64_t lanes) {
  if (n == 0 || p <= 0.0) return 0.0;
  if (p >= 1.0) return static_cast<double>((n * extra + lanes - 1) / lanes);
  double e = 0.0;
  const double lp = std::log(p), lq = std::log1p(-p);
  const double lgn = std::lgamma(static_cast<double>(n) + 1.0);
  for (uint64_t s = 1; s <= n; ++s) {
    const double ds = static_cast<double>(s);
    const double logpmf = lgn - std::lgamma(ds + 1.0) -
                          std::lgamma(static_cast<double>(n - s) + 1.0) + ds * lp +
                          static_cast<double>(n - s) * lq;
    e += std::exp(logpmf) * static_cast<double>((s * extra + lanes - 1) / lanes);
  }
  return e;
}

}  // namespace

uint64_t SoftEdgeQuantizer::expected_multicycle_extra(const QuantizerConfig& q, uint64_t elements,
                                                      double p) {
  if (!q.multicycle || q.mode == quant::QuantKind::kInt8) return 0;
  const auto lanes = static_cast<uint64_t>(q.lanes);
  const auto extra = static_cast<uint64_t>(q.multicycle_extra_cycles);
  const uint64_t full = elements / lanes, rest = elements % lanes;
  const double e = static_cast<double>(full) * expected_vector_extra(lanes, p, extra, lanes) +
                   expected_vector_extra(rest, p, extra, lanes);
  return static_cast<uint64_t>(std::llround(e));
}

double SoftEdgeQuantizer::special_probability(const QuantizerConfig& q,
                                              const std::array<double, 4>& f) {
  const double outliers = f[static_cast<size_t>(quant::SeRegion::kLarge)] +
                          f[static_cast<size_t>(quant::SeRegion::kSaturated)];
  return q.multicycle_regions == MulticycleRegions::kFlagged
             ? outliers + f[static_cast<size_t>(quant::SeRegion::kSmall)]
             : outliers;
}

void SoftEdgeQuantizer::send(tlm_utils::simple_initiator_socket<SoftEdgeQuantizer>& s,
                             const Command& d, uint64_t bytes) {
  tlm::tlm_generic_payload trans;
  trans.set_command(tlm::TLM_WRITE_COMMAND);
  trans.set_address(0);
  std::vector<uint8_t> dummy(1);
  trans.set_data_ptr(dummy.data());
  trans.set_data_length(static_cast<unsigned>(bytes));
  trans.set_streaming_width(static_cast<unsigned>(bytes));
  trans.set_extension(new Command(d));
  sc_time t = sc_core::SC_ZERO_TIME;
  s->b_transport(trans, t);
  stats_.link_bytes += bytes;
}

sc_time SoftEdgeQuantizer::execute(const Command& d, OpRecord& rec) {
  const auto E = static_cast<size_t>(d.elements);
  const sc_time in_ready = read_inputs(d, sc_core::SC_ZERO_TIME, rec);
  stall_span(sc_core::SC_ZERO_TIME, in_ready, StallReason::kInput);
  element_regions_.resize(E);
  const QuantRegions q = datapath_.quantize(d, element_regions_.data());
  using Source = QuantRegions::Source;
  if (q.source != Source::kNone) {
    for (int r = 0; r < quant::kSeRegionCount; ++r) regions_[r] += q.counts[static_cast<size_t>(r)];
    touch_signals();
  }
  // Only the multicycle stage on real elements looks at them one by one
  // (timing-only runs have millions per operation: no per-element pass).
  const bool per_element =
      q.source == Source::kElements && cfg_.multicycle && kind_ != quant::QuantKind::kInt8;
  special_.clear();
  if (per_element) {
    // Special elements: SE flag set (small, large, saturated) or outliers.
    special_.resize(E);
    const bool flagged = cfg_.multicycle_regions == MulticycleRegions::kFlagged;
    for (size_t i = 0; i < E; ++i) {
      const auto r = static_cast<quant::SeRegion>(element_regions_[i]);
      const bool outlier = r == quant::SeRegion::kLarge || r == quant::SeRegion::kSaturated;
      special_[i] = static_cast<uint8_t>(outlier || (flagged && r == quant::SeRegion::kSmall));
    }
  }
  const uint64_t lanes = static_cast<uint64_t>(cfg_.lanes);
  const uint64_t stream = (E + lanes - 1) / lanes;
  const uint64_t extra =
      q.source == Source::kRates
          ? expected_multicycle_extra(cfg_, E, special_probability(cfg_, q.rates))
          : multicycle_extra(cfg_, special_);  // none special without per-element data: 0
  const uint64_t lat = latency(cfg_);
  rec.busy_cycles = stream + extra + lat;
  rec.elements = E;
  rec.arith_ops = E;
  const sc_time computed = in_ready + cycles(rec.busy_cycles);
  if (d.out.bytes > 0) {
    // Mamba-2: the SSD reads x three times; it goes to memory (codes and,
    // for se, the flag plane: Command::out says how many bytes).
    const sc_time done = mem(tlm::TLM_WRITE_COMMAND, d.out, computed, rec);
    stall_span(computed, done, StallReason::kOutput);
    return done;
  }
  // Mamba-1: SE words (8 bits + flag) to the scan, INT8 to x_proj.
  const bool se = kind_ != quant::QuantKind::kInt8;
  send(quant2scan, d, se ? (E * 9 + 7) / 8 : E);
  send(quant2gemm, d, E);
  return computed;
}

void SoftEdgeQuantizer::update_signals() {
  small_sig_.write(regions_[static_cast<int>(quant::SeRegion::kSmall)]);
  normal_sig_.write(regions_[static_cast<int>(quant::SeRegion::kNormal)]);
  large_sig_.write(regions_[static_cast<int>(quant::SeRegion::kLarge)]);
  saturated_sig_.write(regions_[static_cast<int>(quant::SeRegion::kSaturated)]);
}

void SoftEdgeQuantizer::trace_signals(sc_core::sc_trace_file* tf) const {
  trace(tf);
  sc_core::sc_trace(tf, small_sig_, "quant.small_count");
  sc_core::sc_trace(tf, normal_sig_, "quant.normal_count");
  sc_core::sc_trace(tf, large_sig_, "quant.large_count");
  sc_core::sc_trace(tf, saturated_sig_, "quant.saturated_count");
}

}  // namespace ssmsim
