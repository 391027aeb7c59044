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
constexpr int kOpCount = static_cast<int>(Op::kGatedNorm) + 1;

inline bool is_head(Op op) { return op == Op::kFinalNorm || op == Op::kLmHead; }

}  // namespace ssmsim
