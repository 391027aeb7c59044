// The layer program: a Mamba-1 or Mamba-2 block (and the model's head) as data, the
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

// The Mamba-1 or Mamba-2 program, by the model's architecture.
BlockProgram build_program(const ModelDims& d, const ProgramShape& s);
// A hybrid's other layer kinds (docs/hybrid.md); `layer` only, no head.
// A shared block's invocation (G) runs block `shared_block`.
BlockProgram build_layer_program(const ModelDims& d, LayerKind kind, const ProgramShape& s,
                                 int64_t shared_block = 0);

// Per-layer weight bytes, in their order in DRAM (INT8 or fp16 GEMM weights;
// fp16 conv weights and norm gains; fp32 A and D for the scan). Mamba-2 has
// no x_proj and dt_proj, fp32 dt_bias, A and D per head, and the gated
// norm's gains.
struct LayerWeights {
  uint64_t norm, in_proj, conv, x_proj, dt_proj, scan_params, gate_norm, out_proj;
  uint64_t total() const {
    return norm + in_proj + conv + x_proj + dt_proj + scan_params + gate_norm + out_proj;
  }
};
LayerWeights layer_weights(const ModelDims& d, uint64_t weight_bytes);
// The head's weights: the final norm's gains, then lm_head.
uint64_t head_weight_bytes(const ModelDims& d, uint64_t weight_bytes);
// One layer's weight bytes, whatever its kind (SSM: layer_weights().total()).
uint64_t layer_weight_bytes(const ModelDims& d, int64_t layer, uint64_t weight_bytes);
// One shared block's weights (fp16 norm gains, then q/k/v, the output
// projection, the MLP's up and down), and all blocks' (0 without G layers).
uint64_t shared_block_weight_bytes(const ModelDims& d, uint64_t weight_bytes);
uint64_t shared_weight_bytes(const ModelDims& d, uint64_t weight_bytes);
// One sequence's state of one layer: an SSM's conv and SSM state; an
// attention layer's fp16 KV cache for kv_capacity tokens; none otherwise.
uint64_t layer_state_bytes(const ModelDims& d, int64_t layer, const ElementBytes& b,
                           int64_t kv_capacity);
// Bytes of one token's keys and values in an attention layer's cache (fp16).
uint64_t kv_token_bytes(const ModelDims& d);
// MoE: the experts a group of `rows` tokens is expected to use (each token
// picks top_k of the experts uniformly at random): E (1 - (1 - k/E)^rows),
// rounded up; top_k for one token.
int64_t expected_experts(const ModelDims& d, int64_t rows);
// How a tile's `rows` tokens run on the experts: the used ones each run
// ceil(rows x top_k / used) rows (one batched GEMM per projection).
struct ExpertRows {
  int64_t used = 0, rows_each = 0;
  int64_t routed() const { return used * rows_each; }
};
ExpertRows expert_rows(const ModelDims& d, int64_t rows);

// One sequence's decode state of one layer, in bytes.
uint64_t conv_state_bytes(const ModelDims& d, const ElementBytes& b);
uint64_t ssm_state_bytes(const ModelDims& d, const ElementBytes& b);

// A tile's shape: tokens per sequence, sequences, prefill or decode.
struct TileShape {
  uint64_t tokens = 1, batch = 1;
  bool decode = false;
  uint64_t rows() const { return tokens * batch; }
};

// Mamba-2's chunking of a tile: chunks of q tokens (the model's or the
// mapping's chunk_size, at most the tile), nc of them per sequence (the
// last one padded: the hardware computes whole q x q blocks).
struct SsdChunks {
  int64_t q = 0, nc = 0;
};
SsdChunks ssd_chunks(const ModelDims& d, int64_t tokens);

// Bytes of each activation region of a tile.
uint64_t activation_region_bytes(Region r, const ModelDims& d, const TileShape& t,
                                 const ElementBytes& b);

// A Mamba-1 block: rmsnorm -> in_proj -> conv1d+SiLU -> quantizer -> x_proj
// -> dt_proj -> scan -> gate -> Hadamard (+INT8) -> out_proj -> residual,
// then the head: final norm and lm_head.
BlockProgram build_mamba1_program(const ModelDims& d, const ProgramShape& s);

// A Mamba-2 block (docs/ssd.md has the mapping): rmsnorm -> in_proj (z, xBC,
// dt) -> conv1d+SiLU on xBC -> quantizer (x) and bc_quant (B, C) ->
// chunk_cumsum -> in prefill bmm_chunk (GEMM, INT8) -> ssd_decay (vector)
// -> chunk_state (GEMM, fp16) -> state_passing (scan unit, over chunks) ->
// chunk_scan (GEMM, fp16); in decode ssd_step (scan unit) -> gated_norm ->
// Hadamard (+INT8) -> out_proj -> residual; then the head.
BlockProgram build_mamba2_program(const ModelDims& d, const ProgramShape& s);

}  // namespace ssmsim
