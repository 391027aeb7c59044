// The units compute Quamba's W8A8 pipeline (ssmsim run --pipeline w8a8):
// every command runs its operation of a W8A8Sequence on the command's rows,
// so the accelerator computes the same bits as ssmsim eval.
#pragma once

#include "hw/datapath.hpp"
#include "mamba/w8a8.hpp"
#include "mamba/w8a8_mamba2.hpp"

namespace ssmsim {

class W8A8Datapath : public Datapath {
 public:
  explicit W8A8Datapath(W8A8Sequence& seq) : seq_(seq) {}
  void compute(const Command& c) override {
    seq_.run(c.op, c.layer, c.first_token, c.first_token + c.tokens);
  }
  QuantRegions quantize(const Command& c, uint8_t* regions) override {
    const quant::ErrorStats s =
        seq_.ssm_in_quant(c.layer, c.first_token, c.first_token + c.tokens, regions);
    return QuantRegions::elements(s.regions);
  }

 private:
  W8A8Sequence& seq_;
};

// The same for Mamba-2 (Quamba2-style W8A8): chunk_scan computes the
// tile's SSD (the other SSD kernels are its parts), ssd_step a decode step.
class W8A8Mamba2Datapath : public Datapath {
 public:
  explicit W8A8Mamba2Datapath(W8A8Mamba2Sequence& seq) : seq_(seq) {}
  void compute(const Command& c) override {
    seq_.run(c.op, c.layer, c.first_token, c.first_token + c.tokens);
  }
  QuantRegions quantize(const Command& c, uint8_t* regions) override {
    const quant::ErrorStats s =
        seq_.ssm_in_quant(c.layer, c.first_token, c.first_token + c.tokens, regions);
    return QuantRegions::elements(s.regions);
  }

 private:
  W8A8Mamba2Sequence& seq_;
};

}  // namespace ssmsim
