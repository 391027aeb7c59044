// The lowering's layer kinds: one builder file per kind (ssm_layer.cpp,
// attention_layer.cpp, mlp_layer.cpp, moe_layer.cpp, parallel_layer.cpp,
// shared_layer.cpp), each registered by one row of the table in
// layer_kinds.cpp: how its program is built, its weight and state bytes,
// whether it reads the context. docs/architecture.md shows how a kind is
// added.
#pragma once

#include <cstdint>

#include "common/model_dims.hpp"
#include "hw/program.hpp"

namespace ssmsim {

// What the lowering knows of one layer kind.
struct LayerKindLowering {
  // Its letter, workload keys and parameter count (common/layer_kind.hpp).
  const LayerKindModel* model;
  // One layer's operations for a tile of shape s; `shared_block`: the
  // block a shared-block invocation runs (0 otherwise).
  std::vector<ProgramOp> (*build)(const ModelDims& d, const ProgramShape& s, int64_t shared_block);
  // One layer's weight bytes, in their order in DRAM.
  uint64_t (*weight_bytes)(const ModelDims& d, uint64_t weight_bytes);
  // One sequence's state of one layer (conv and SSM state, KV cache).
  uint64_t (*state_bytes)(const ModelDims& d, const ElementBytes& b, int64_t kv_capacity);
  // Its program depends on ProgramShape::context (the keys so far): built
  // for every tile.
  bool reads_context;
};
// The registered kind; throws Error for a kind without a row.
const LayerKindLowering& layer_kind_lowering(LayerKind kind);
// Registers a kind's model (workload keys, parameters) and its lowering:
// lower/layer_kinds.cpp does it for every row of its table, before main.
void register_layer_kind(const LayerKindLowering& kind);

// The head: final RMSNorm and lm_head on the tile's last head_tokens tokens
// of every sequence (the embedding lookup is a gather); none for 0.
std::vector<ProgramOp> build_head(const ModelDims& d, const ProgramShape& s);
// The head's weights: the final norm's gains, then lm_head.
uint64_t head_weight_bytes(const ModelDims& d, uint64_t weight_bytes);

// The SSM layer (ssm_layer.cpp) -------------------------------------------

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
// One sequence's decode state of one SSM layer, in bytes.
uint64_t conv_state_bytes(const ModelDims& d, const ElementBytes& b);
uint64_t ssm_state_bytes(const ModelDims& d, const ElementBytes& b);
// Mamba-2's chunking of a tile: chunks of q tokens (the model's or the
// mapping's chunk_size, at most the tile), nc of them per sequence (the
// last one padded: the hardware computes whole q x q blocks).
struct SsdChunks {
  int64_t q = 0, nc = 0;
};
SsdChunks ssd_chunks(const ModelDims& d, int64_t tokens);
// A Mamba-1 block: rmsnorm -> in_proj -> conv1d+SiLU -> quantizer -> x_proj
// -> dt_proj -> scan -> gate -> Hadamard (+INT8) -> out_proj -> residual.
std::vector<ProgramOp> build_mamba1_layer(const ModelDims& d, const ProgramShape& s);
// A Mamba-2 block (docs/ssd.md has the mapping): rmsnorm -> in_proj (z, xBC,
// dt) -> conv1d+SiLU on xBC -> quantizer (x) and bc_quant (B, C) ->
// chunk_cumsum -> in prefill bmm_chunk (GEMM, INT8) -> ssd_decay (vector)
// -> chunk_state (GEMM, fp16) -> state_passing (scan unit, over chunks) ->
// chunk_scan (GEMM, fp16); in decode ssd_step (scan unit) -> gated_norm ->
// Hadamard (+INT8) -> out_proj -> residual.
std::vector<ProgramOp> build_mamba2_layer(const ModelDims& d, const ProgramShape& s);
// The Mamba-1 or Mamba-2 layer, by the model's architecture, then the head.
BlockProgram build_program(const ModelDims& d, const ProgramShape& s);

// Hybrids' kinds (docs/hybrid.md) ------------------------------------------

// Bytes of one token's keys and values in an attention layer's cache (fp16).
uint64_t kv_token_bytes(const ModelDims& d);
// Attention's weights beside its pre-norm: q/k/v and the output projection.
uint64_t attention_projection_bytes(const ModelDims& d, uint64_t weight_bytes);
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
// One shared block's weights (fp16 norm gains, then q/k/v, the output
// projection, the MLP's up and down), and all blocks' (0 without G layers).
uint64_t shared_block_weight_bytes(const ModelDims& d, uint64_t weight_bytes);
uint64_t shared_weight_bytes(const ModelDims& d, uint64_t weight_bytes);

// Any kind, by layer: its operations (no head), weight and state bytes.
// A shared block's invocation runs block `shared_block`.
BlockProgram build_layer_program(const ModelDims& d, LayerKind kind, const ProgramShape& s,
                                 int64_t shared_block = 0);
uint64_t layer_weight_bytes(const ModelDims& d, int64_t layer, uint64_t weight_bytes);
uint64_t layer_state_bytes(const ModelDims& d, int64_t layer, const ElementBytes& b,
                           int64_t kv_capacity);

}  // namespace ssmsim
