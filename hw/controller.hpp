// The controller walks a Mamba-1 block for every layer:
//   rmsnorm -> in_proj -> conv1d+SiLU -> quantizer -> x_proj -> dt_proj ->
//   scan -> gate -> Hadamard (+INT8) -> out_proj -> residual add
// and then the final norm and lm_head. Prefill streams the sequence in tiles
// of `controller.tile_tokens`: one thread per tile issues that tile's
// operations in order, so different tiles occupy different units at the
// same time (tile streaming). Units serve the lowest (layer, tile) first;
// conv1d and the scan carry state, so their tiles run in token order. Decode
// runs one token at a time through every layer, state from memory.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <systemc>
#include <tlm>
#include <vector>

#include "config/arch_config.hpp"
#include "hw/tensor_desc.hpp"
#include "common/model_dims.hpp"

namespace ssmsim {

// What to run: a prefill of `prefill_tokens` (tiles streamed), then
// `decode_tokens` decode steps (token by token, state through memory), each
// for `batch` sequences at once (GEMM rows, vector elements and scan
// channels scale with the batch; weights are read once per tile or step).
struct RunPlan {
  ModelDims dims;
  int64_t prefill_tokens = 0;
  int64_t decode_tokens = 0;
  int64_t batch = 1;
  int64_t hadamard_size = 0;  // resolved block size
  FunctionalState* fn = nullptr;
};

// Where activations and state live, decided before the run.
struct MemoryPlan {
  bool activations_in_sram = true;
  bool state_in_sram = true;
  uint64_t tile_footprint_bytes = 0;  // one tile's activation buffers
  uint64_t state_bytes = 0;           // conv + SSM state of all layers (decode)
  uint64_t weight_bytes = 0;          // all weights, in DRAM
  int64_t weight_elem_bytes = 1;      // 1 (INT8 GEMM weights) or 2 (fp16)
  int64_t act_elem_bytes = 1;         // GEMM inputs: 1 (INT8) or 2 (fp16)
  // The decode state as stored between steps: the conv window holds
  // in_proj's x outputs (act_elem_bytes); the SSM state is INT8 in w8a8
  // (Quamba's cache, its own scale) and fp16 in fp16.
  int64_t ssm_state_elem_bytes = 1;
};

class Controller : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Controller> ctrl2gemm;
  tlm_utils::simple_initiator_socket<Controller> ctrl2quant;
  tlm_utils::simple_initiator_socket<Controller> ctrl2scan;
  tlm_utils::simple_initiator_socket<Controller> ctrl2had;
  tlm_utils::simple_initiator_socket<Controller> ctrl2vec;

  SC_HAS_PROCESS(Controller);
  Controller(sc_core::sc_module_name name, const ArchConfig& cfg, const RunPlan& plan);

  const MemoryPlan& memory_plan() const { return mem_; }
  sc_core::sc_time finish_time() const { return finish_; }
  // When the prefill phase ended (= start of decode); zero without prefill.
  sc_core::sc_time prefill_end_time() const { return prefill_end_; }
  bool finished() const { return finished_; }

 private:
  void run();
  void walk_tile(int64_t tile, int64_t first, int64_t tokens, bool decode);
  void issue(tlm_utils::simple_initiator_socket<Controller>& s, TensorDesc& d);
  void plan_memory();
  uint64_t layer_weight_base(int64_t layer) const;
  // One sequence's decode state of one layer, in bytes.
  uint64_t conv_state_bytes(const ModelDims& d) const;
  uint64_t ssm_state_bytes(const ModelDims& d) const;

  ArchConfig cfg_;
  RunPlan plan_;
  MemoryPlan mem_;
  int64_t n_tiles_ = 1;
  std::vector<int64_t> next_conv_, next_scan_;
  sc_core::sc_event order_ev_, tile_done_ev_;
  int64_t tiles_done_ = 0;
  sc_core::sc_time finish_, prefill_end_;
  bool finished_ = false;
};

}  // namespace ssmsim
