// The layer program's types: what the controller consumes. A program is a
// layer's operations for a tile of rows, each with its unit, its shape and
// its operands as named regions (the way ONNXim's operations/ and
// Timeloop's workloads hand the hardware a list of typed operations instead
// of a hand-written walk). The hardware knows no model: the lowering layer
// (lower/) builds the programs from a model's dimensions and hands them to
// the Controller through ProgramSource; the AddressMap places the regions.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

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
  // Mamba-2's chunked SSD (empty for Mamba-1 and in decode); q = the chunk
  // (mapping.ssd_chunk_tokens, at most the tile), nc = chunks per sequence
  // of the tile.
  kScores,  // fp16 C * B^T: batch x groups x nc x q x q
  // fp16, what ssd_decay writes: the chunk scan's operand [masked scores |
  // decayed C] (batch x heads x nc x q x (q + N)), then x scaled by its
  // decay to the chunk's end (batch x nc x q x d_inner)
  kSsdA,
  kStates,  // fp32 chunk states, then the states entering each chunk: batch x heads x nc x P x N
  // Hybrids (empty without such layers).
  kQkv,        // qkv_proj output: rows x (heads + 2 kv_heads) x head_dim
  kAttnO,      // attention output (P v): rows x heads x head_dim
  kAttnBlock,  // fp16 scores / probabilities, streamed through an SRAM block (not in a slot)
  kFfn,        // MLP / MoE intermediates (router logits, expert rows, expert outputs)
  kEmbed,      // fp16 embedding of the tile's tokens (Zamba2's shared blocks read it)
  kWeights,
  kState,  // decode state (conv window, SSM state)
  kLogits,
  kSharedWeights,  // Zamba2's shared blocks' weights, stored once (offset: from the first block)
};
constexpr int kActivationRegions = 17;  // kResid .. kEmbed
// Attention's scores stream through an on-chip block of kAttnBlockKeys
// query rows x kAttnBlockKeys keys (FlashAttention's tile), always in SRAM.
constexpr int64_t kAttnBlockKeys = 128;
constexpr uint64_t kAttnBlockBytes = kAttnBlockKeys * kAttnBlockKeys * 2;

// An operand: a region, an offset inside it (weights and state: inside the
// layer's part) and a size.
struct RegionRef {
  Region region = Region::kNone;
  uint64_t offset = 0;
  uint64_t bytes = 0;
};

// Operations that carry state from one tile to the next run their tiles in
// token order.
// (kKv: the KV cache's appends, so a tile's attention sees every earlier
// tile's keys.)
enum class StateOrder : uint8_t { kNone, kConv, kScan, kKv };

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
  // Mamba-2: the quantized x carries the soft-edge flag plane (1 bit per
  // element) beside its 8-bit codes (quantizer.mode se, se-authors).
  bool x_flags = false;
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
  // Attention: tokens per sequence before this tile (its keys so far), and
  // the KV cache's capacity (the run's prompt and decode tokens).
  int64_t context = 0;
  int64_t kv_capacity = 0;
};

// A tile's shape: tokens per sequence, sequences, prefill or decode.
struct TileShape {
  uint64_t tokens = 1, batch = 1;
  bool decode = false;
  uint64_t rows() const { return tokens * batch; }
};

// Offsets of a tile's activation buffers inside its slot.
struct TileLayout {
  // By Region (kResid = 1); offset[kEmbed + 1] = end.
  std::array<uint64_t, kActivationRegions + 2> offset{};
  uint64_t end = 0;  // the buffers' size
  // Where each region of slot 0 lies (AddressMap::tile_layout), and the
  // distance between slots (0: one slot).
  std::array<uint64_t, kActivationRegions + 2> at{};
  uint64_t slot_stride = 0;
};

// What the Controller and the AddressMap need of a model: its layers'
// programs and the sizes of what they move. lower/ implements it
// (ModelLowering); tests may hand-write one.
class ProgramSource {
 public:
  virtual ~ProgramSource() = default;
  virtual int64_t layers() const = 0;
  // One layer's operations for a tile (or decode step) of shape s.
  virtual std::vector<ProgramOp> layer(int64_t layer, const ProgramShape& s) const = 0;
  // The head's (final norm, lm_head) on s.head_tokens tokens; none for 0.
  virtual std::vector<ProgramOp> head(const ProgramShape& s) const = 0;
  // Layers with equal keys have equal programs for equal shapes, unless
  // they read the context (attention: the keys so far), which the
  // Controller builds for each tile.
  virtual int64_t program_key(int64_t layer) const = 0;
  virtual bool reads_context(int64_t layer) const = 0;
  // Where each activation region lies in a tile's buffers (at and
  // slot_stride unset: the AddressMap's).
  virtual TileLayout tile_layout(const TileShape& t, const ElementBytes& b) const = 0;
  virtual uint64_t layer_weight_bytes(int64_t layer, uint64_t weight_bytes) const = 0;
  // The head's weights (final norm, lm_head) and the shared blocks' (stored
  // once, before the layers').
  virtual uint64_t head_weight_bytes(uint64_t weight_bytes) const = 0;
  virtual uint64_t shared_weight_bytes(uint64_t weight_bytes) const = 0;
  // One sequence's state of a layer (conv and SSM state, KV cache).
  virtual uint64_t layer_state_bytes(int64_t layer, const ElementBytes& b,
                                     int64_t kv_capacity) const = 0;
};

}  // namespace ssmsim
