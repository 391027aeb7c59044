// The operations of a Mamba block and its head, as one typed vocabulary for
// the layer program (hw), the datapaths, the W8A8 pipeline (mamba) and the
// energy table: a misspelt operation is a compile error, not a run-time
// surprise. op_name() is the text reports print.
#pragma once

#include <array>
#include <cstdint>

namespace ssmsim {

enum class Op : uint8_t {
  kRmsNorm,
  kInProj,
  kConv1dSilu,
  kSsmInQuant,
  kXProj,
  kDtProj,
  kScan,
  kGate,
  kHadamard,
  kOutProj,
  kResidual,
  kFinalNorm,  // head: after the last layer
  kLmHead,     // head
  // Mamba-2 (SSD): the chunked prefill's kernels (named after
  // mamba_ssm's ssd_* Triton kernels), the decode step, and what around them
  // differs from Mamba-1.
  kBcQuant,       // INT8 B and C (per group scales)
  kChunkCumsum,   // delta = softplus(dt + bias), dA = delta * A, cumsum per chunk
  kBmmChunk,      // C * B^T per chunk and group
  kSsdDecay,      // decay masks: the chunk scan's operand, the decayed x
  kChunkState,    // each chunk's final state: x^T (decayed) * B
  kStatePassing,  // the recurrence over chunks: the state entering each chunk
  kChunkScan,     // y = masked scores * x + decayed C * entering state
  kSsdStep,       // decode: h = exp(delta A) h + delta B x; y = C h + D x
  kGatedNorm,     // y + D x, times SiLU(z), RMSNorm over groups
  // Hybrids: attention, MLP and mixture-of-experts layers (docs/hybrid.md).
  kQkvProj,        // q, k, v for every head
  kRope,           // rotary position encoding of q and k
  kKvAppend,       // the tile's k and v into the layer's KV cache
  kAttnScores,     // q k^T over the context (flash-style: through an on-chip block)
  kAttnSoftmax,    // causal mask, running max, exp, sum, scale
  kAttnPv,         // probabilities x v
  kOProj,          // attention output projection
  kFfnUp,          // MLP up (and gate) projection
  kFfnAct,         // relu^2, or SiLU(gate) x up
  kFfnDown,        // MLP down projection
  kRouter,         // MoE: router logits
  kTopK,           // MoE: softmax and top-k over the experts
  kExpertUp,       // MoE: the chosen experts' up (and gate) projections
  kExpertDown,     // MoE: the chosen experts' down projections
  kExpertCombine,  // MoE: the top-k outputs weighted and summed
  // Zamba2's shared transformer block (its attention and MLP use the ops above)
  kLoraA,       // an invocation's own adapter: rows x d_model x rank
  kLoraB,       // ... rank x the MLP's up (and gate) width, added before the activation
  kSharedProj,  // the invocation's own output projection, d_model x d_model
};

inline const char* op_name(Op op) {
  switch (op) {
    case Op::kRmsNorm:
      return "rmsnorm";
    case Op::kInProj:
      return "in_proj";
    case Op::kConv1dSilu:
      return "conv1d_silu";
    case Op::kSsmInQuant:
      return "ssm_in_quant";
    case Op::kXProj:
      return "x_proj";
    case Op::kDtProj:
      return "dt_proj";
    case Op::kScan:
      return "scan";
    case Op::kGate:
      return "gate";
    case Op::kHadamard:
      return "hadamard";
    case Op::kOutProj:
      return "out_proj";
    case Op::kResidual:
      return "residual";
    case Op::kFinalNorm:
      return "final_norm";
    case Op::kLmHead:
      return "lm_head";
    case Op::kBcQuant:
      return "bc_quant";
    case Op::kChunkCumsum:
      return "chunk_cumsum";
    case Op::kBmmChunk:
      return "bmm_chunk";
    case Op::kSsdDecay:
      return "ssd_decay";
    case Op::kChunkState:
      return "chunk_state";
    case Op::kStatePassing:
      return "state_passing";
    case Op::kChunkScan:
      return "chunk_scan";
    case Op::kSsdStep:
      return "ssd_step";
    case Op::kGatedNorm:
      return "gated_norm";
    case Op::kQkvProj:
      return "qkv_proj";
    case Op::kRope:
      return "rope";
    case Op::kKvAppend:
      return "kv_append";
    case Op::kAttnScores:
      return "attn_scores";
    case Op::kAttnSoftmax:
      return "attn_softmax";
    case Op::kAttnPv:
      return "attn_pv";
    case Op::kOProj:
      return "o_proj";
    case Op::kFfnUp:
      return "ffn_up";
    case Op::kFfnAct:
      return "ffn_act";
    case Op::kFfnDown:
      return "ffn_down";
    case Op::kRouter:
      return "router";
    case Op::kTopK:
      return "topk";
    case Op::kExpertUp:
      return "expert_up";
    case Op::kExpertDown:
      return "expert_down";
    case Op::kExpertCombine:
      return "expert_combine";
    case Op::kLoraA:
      return "lora_a";
    case Op::kLoraB:
      return "lora_b";
    case Op::kSharedProj:
      return "shared_proj";
  }
  return "?";  // not an Op value
}

// A Mamba-1 block's operations in data order (the W8A8 datapath; the fp16
// baseline skips the quantizer and the Hadamard), then the head's.
constexpr std::array<Op, 11> kMamba1BlockOps = {
    Op::kRmsNorm, Op::kInProj, Op::kConv1dSilu, Op::kSsmInQuant, Op::kXProj,   Op::kDtProj,
    Op::kScan,    Op::kGate,   Op::kHadamard,   Op::kOutProj,    Op::kResidual};
constexpr std::array<Op, 2> kHeadOps = {Op::kFinalNorm, Op::kLmHead};

// The head's operations run once after the last layer (layer index n_layer).
constexpr int kOpCount = static_cast<int>(Op::kSharedProj) + 1;

inline bool is_head(Op op) { return op == Op::kFinalNorm || op == Op::kLmHead; }

}  // namespace ssmsim
