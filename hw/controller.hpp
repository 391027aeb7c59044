// The controller schedules and issues the layer program (hw/program.hpp),
// as a ProgramSource gives it: every layer's operations for every tile,
// then the head's. Prefill streams the sequence in tiles of the memory
// plan's tile_tokens: one thread per
// tile issues that tile's operations in order, so different tiles occupy
// different units at the same time (tile streaming). A tile holds one of
// controller.activation_slots activation buffers from its start to its
// end, so a tile starts only when the tile that last used its slot is done.
// Units serve the lowest (layer, tile) first; operations that carry state
// (conv1d, the scan) run their tiles in token order. Decode runs one token
// at a time through every layer, state from memory.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <array>
#include <map>
#include <set>
#include <string>
#include <systemc>
#include <tlm>
#include <tuple>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "config/arch_config.hpp"
#include "hw/address_map.hpp"
#include "hw/program.hpp"

namespace ssmsim {

// What to run: a prefill of `prefill_tokens` (tiles streamed), then
// `decode_tokens` decode steps (token by token, state through memory), each
// for `batch` sequences at once (GEMM rows, vector elements and scan
// channels scale with the batch; weights are read once per tile or step).
struct RunPlan {
  int64_t prefill_tokens = 0;
  int64_t decode_tokens = 0;
  int64_t batch = 1;
  int64_t hadamard_size = 0;  // resolved block size
  // The run scores every token's logits (--pipeline w8a8): mapping.lm_head
  // auto runs the head on every prompt token.
  bool scores_every_token = false;
  // Create the first prefill tiles' processes in reverse order (a test that
  // process order does not change results).
  bool spawn_tiles_reversed = false;
};

class Controller : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Controller> ctrl2gemm;
  tlm_utils::simple_initiator_socket<Controller> ctrl2quant;
  tlm_utils::simple_initiator_socket<Controller> ctrl2scan;
  tlm_utils::simple_initiator_socket<Controller> ctrl2had;
  tlm_utils::simple_initiator_socket<Controller> ctrl2vec;

  SC_HAS_PROCESS(Controller);
  // `program` (the lowered model, lower/lowering.hpp) must outlive the
  // controller; `memory` is its memory plan (lower/memory_plan.hpp).
  Controller(sc_core::sc_module_name name, const ArchConfig& cfg, const RunPlan& plan,
             const ProgramSource& program, const MemoryPlan& memory);

  // The command sockets by Unit, for Accelerator::bind_driver.
  std::array<tlm::tlm_initiator_socket<>*, kUnitCount> sockets();

  const MemoryPlan& memory_plan() const { return mem_; }
  // The head runs on every prompt token (else on the last one).
  bool head_on_every_token() const { return head_all_; }
  sc_core::sc_time finish_time() const { return finish_; }
  // When the prefill phase ended (= start of decode); zero without prefill.
  sc_core::sc_time prefill_end_time() const { return prefill_end_; }
  sc_core::sc_time first_step_end_time() const { return first_step_end_; }  // decode's first
  // Notified when the prefill's last tile has finished (reports snapshot
  // per-phase figures on it).
  const sc_core::sc_event& prefill_done() const { return prefill_done_; }
  bool finished() const { return finished_; }
  // Operations the run will issue, and of them GEMMs (for reports to
  // reserve room; the last tile's shape may differ: an estimate).
  std::pair<uint64_t, uint64_t> expected_ops();
  // The first error an operation raised (the run stopped there); empty if none.
  const std::string& error() const { return error_; }

 private:
  void run();
  void walk_tile(int64_t tile, int64_t first, int64_t tokens, bool decode);
  // Runs f; an Error stops the simulation and is kept for the caller of
  // sc_start (an exception leaving a process would lose its type).
  template <typename F>
  void guarded(F f) {
    try {
      f();
    } catch (const Error& e) {
      if (error_.empty()) error_ = e.what();
      sc_core::sc_stop();
    }
  }
  // `next`: the program's next GEMM after p (in layer next_layer), whose
  // weights a GEMM running alone prefetches; nullptr if none.
  void issue(const ProgramOp& p, int64_t layer, int64_t tile, int64_t first, int64_t tokens,
             bool fill, const TileLayout& tl, const ProgramOp* next, int64_t next_layer);
  // Every layer's operations for one tile (or decode step) of `tokens`
  // after `context` tokens, and the head's: programs that do not read the
  // context are built once per shape and kept; the others for the tile.
  struct TileOps {
    TileOps() = default;
    TileOps(TileOps&&) = default;
    TileOps(const TileOps&) = delete;                   // `layers` may point into `fresh`
    std::vector<const std::vector<ProgramOp>*> layers;  // by layer
    const std::vector<ProgramOp>* head = nullptr;
    std::map<int64_t, std::vector<ProgramOp>> fresh;  // by program key: built for this tile
  };
  TileOps tile_ops(int64_t tokens, bool decode, int64_t head_tokens, int64_t context);
  ProgramShape shape(int64_t tokens, bool decode, int64_t head_tokens) const;

  ArchConfig cfg_;
  RunPlan plan_;
  const ProgramSource& program_;
  MemoryPlan mem_;
  AddressMap map_;
  // Kept programs: by program key, tile tokens, decode; heads by tile
  // tokens, decode, head tokens.
  std::map<std::tuple<int64_t, int64_t, bool>, std::vector<ProgramOp>> layer_programs_;
  std::map<std::tuple<int64_t, bool, int64_t>, std::vector<ProgramOp>> heads_;
  bool head_all_ = false;
  bool concurrent_ = false;  // operations of several tiles may run at once
  int64_t n_tiles_ = 1;
  std::vector<bool> tile_done_;
  // Per layer (n_layer: the head): a tile has started it, so resident
  // weights are in (or on their way to) SRAM.
  std::vector<bool> weights_claimed_;
  // Shared blocks' weight operands (by offset) already filled into SRAM.
  std::set<uint64_t> shared_claimed_;
  std::vector<int64_t> next_conv_, next_scan_, next_kv_;
  // A tile waiting for its turn at a stateful operation: (order, layer,
  // tile) -> its own event, so finishing a tile wakes only its successor.
  std::map<std::tuple<int, int64_t, int64_t>, sc_core::sc_event*> order_waiters_;
  sc_core::sc_event tile_done_ev_, prefill_done_;
  sc_core::sc_time finish_, prefill_end_, first_step_end_;
  bool finished_ = false;
  std::string error_;
};

}  // namespace ssmsim
