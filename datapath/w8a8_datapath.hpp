// The units compute Quamba's W8A8 pipeline (ssmsim run --pipeline w8a8):
// every command runs its operation of a W8A8Sequence on the command's rows,
// so the accelerator computes the same bits as ssmsim eval.
#pragma once

#include "hw/datapath.hpp"
#include "mamba/w8a8.hpp"
#include "mamba/w8a8_mamba2.hpp"

namespace ssmsim {

// Seq: W8A8Sequence (Mamba-1) or W8A8Mamba2Sequence (Mamba-2, where
// chunk_scan computes the tile's SSD and ssd_step a decode step; the other
// SSD kernels are parts of it).
template <class Seq>
class SequenceDatapath : public Datapath {
 public:
  explicit SequenceDatapath(Seq& seq) : seq_(seq) {}
  void compute(const Command& c) override {
    seq_.run(c.op, c.layer, c.first_token, c.first_token + c.tokens);
  }
  QuantRegions quantize(const Command& c, uint8_t* regions) override {
    const quant::ErrorStats s =
        seq_.ssm_in_quant(c.layer, c.first_token, c.first_token + c.tokens, regions);
    return QuantRegions::elements(s.regions);
  }

 private:
  Seq& seq_;
};
using W8A8Datapath = SequenceDatapath<W8A8Sequence>;
using W8A8Mamba2Datapath = SequenceDatapath<W8A8Mamba2Sequence>;

}  // namespace ssmsim
