// The layer program: a Mamba-1 block (and the model's head) as data, the
// way ONNXim's operations/ and Timeloop's workloads hand the hardware a
// list of typed operations instead of a hand-written walk. A model builder
// turns the model's dimensions into one layer's operations for a tile of
// rows, each with its unit, its shape and its operands as named regions;
// the AddressMap places the regions, the Controller only schedules and
// issues. Adding a layer kind means adding a builder.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common/model_dims.hpp"
#include "hw/command.hpp"

namespace ssmsim {

// Named operand regions. Activation buffers belong to a tile's slot;
// weights and state to a layer (or the head); logits leave the chip.
enum class Region : uint8_t {
  kNone,
  kResid,  // fp32 residual stream
  kNorm,   // RMSNorm output
  kXZ,     // in_proj output (x, z)
  kU,      // fp16 conv1d + SiLU output
  kDtBC,   // x_proj output (dt_low, B, C)
  kDt,     // fp16 dt_proj output
  kY,      // fp16 scan / gate output
  kYq,     // INT8 Hadamard output (w8a8 only)
  kOut,    // fp16 out_proj output
  kWeights,
  kState,  // decode state (conv window, SSM state)
  kLogits,
};
constexpr int kActivationRegions = 9;  // kResid .. kOut

// An operand: a region, an offset inside it (weights and state: inside the
// layer's part) and a size.
struct RegionRef {
  Region region = Region::kNone;
  uint64_t offset = 0;
  uint64_t bytes = 0;
};

// Operations that carry state from one tile to the next run their tiles in
// token order.
enum class StateOrder : uint8_t { kNone, kConv, kScan };

struct ProgramOp {
  Unit unit = Unit::kVec;
  Command cmd;  // the shape fields; layer, tile, rows and addresses are set at issue
  std::array<RegionRef, kMaxInputs> in{};
  RegionRef weight, out, state;
  StateOrder order = StateOrder::kNone;
};

struct BlockProgram {
  std::vector<ProgramOp> layer;  // one layer's operations in issue order
  std::vector<ProgramOp> head;   // after the last layer
};

// Bytes per element of what the program moves.
struct ElementBytes {
  uint64_t weight = 1;     // GEMM weights: 1 (INT8) or 2 (fp16)
  uint64_t act = 1;        // GEMM inputs and outputs: 1 (INT8) or 2 (fp16)
  uint64_t ssm_state = 1;  // SSM state between decode steps: INT8 (Quamba's cache) or fp16
};

// What one program is built for.
struct ProgramShape {
  int64_t tokens = 1;  // per sequence in the tile (1 in decode)
  int64_t batch = 1;
  bool decode = false;
  bool fp16 = false;  // the unquantized baseline: no quantizer, no Hadamard
  int64_t hadamard_size = 0;
  // Tokens per sequence the head (final norm, lm_head) runs on: the tile's
  // last ones. 0: no head in this tile (mapping.lm_head = last, a tile
  // before the prompt's last).
  int64_t head_tokens = 1;
  ElementBytes bytes;
};

// Per-layer weight bytes, in their order in DRAM (INT8 or fp16 GEMM weights;
// fp16 conv weights and norm gains; fp32 A and D for the scan).
struct LayerWeights {
  uint64_t norm, in_proj, conv, x_proj, dt_proj, scan_params, out_proj;
  uint64_t total() const {
    return norm + in_proj + conv + x_proj + dt_proj + scan_params + out_proj;
  }
};
LayerWeights layer_weights(const ModelDims& d, uint64_t weight_bytes);
// The head's weights: the final norm's gains, then lm_head.
uint64_t head_weight_bytes(const ModelDims& d, uint64_t weight_bytes);

// One sequence's decode state of one layer, in bytes.
uint64_t conv_state_bytes(const ModelDims& d, const ElementBytes& b);
uint64_t ssm_state_bytes(const ModelDims& d, const ElementBytes& b);

// Bytes of each activation region for `rows` rows (tokens x batch).
uint64_t activation_region_bytes(Region r, const ModelDims& d, uint64_t rows,
                                 const ElementBytes& b);

// A Mamba-1 block: rmsnorm -> in_proj -> conv1d+SiLU -> quantizer -> x_proj
// -> dt_proj -> scan -> gate -> Hadamard (+INT8) -> out_proj -> residual,
// then the head: final norm and lm_head.
BlockProgram build_mamba1_program(const ModelDims& d, const ProgramShape& s);

}  // namespace ssmsim
