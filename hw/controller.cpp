#include "hw/controller.hpp"

#include <sysc/kernel/sc_spawn.h>

#include <algorithm>

#include "common/error.hpp"
#include "hw/switch_count.hpp"

namespace ssmsim {

Controller::Controller(sc_core::sc_module_name name, const ArchConfig& cfg, const RunPlan& plan,
                       const ProgramSource& program, const MemoryPlan& memory)
    : sc_module(name),
      ctrl2gemm("ctrl2gemm"),
      ctrl2quant("ctrl2quant"),
      ctrl2scan("ctrl2scan"),
      ctrl2had("ctrl2had"),
      ctrl2vec("ctrl2vec"),
      cfg_(cfg),
      plan_(plan),
      program_(program),
      mem_(memory),
      map_(program, mem_) {
  if (cfg_.mapping.lm_head == HeadTokens::kLast && plan_.scores_every_token) {
    throw Error(
        "mapping.lm_head = last: this run scores every token's logits (--pipeline w8a8); "
        "use auto or all");
  }
  head_all_ = cfg_.mapping.lm_head == HeadTokens::kAll ||
              (cfg_.mapping.lm_head == HeadTokens::kAuto && plan_.scores_every_token);
  n_tiles_ = (plan_.prefill_tokens + mem_.tile_tokens - 1) / mem_.tile_tokens;
  tile_done_.assign(static_cast<size_t>(n_tiles_), false);
  weights_claimed_.assign(static_cast<size_t>(program_.layers() + 1), false);
  next_conv_.assign(static_cast<size_t>(program_.layers()), 0);
  next_scan_.assign(static_cast<size_t>(program_.layers()), 0);
  next_kv_.assign(static_cast<size_t>(program_.layers()), 0);
  SC_THREAD(run);
}

std::array<tlm::tlm_initiator_socket<>*, kUnitCount> Controller::sockets() {
  return {&ctrl2gemm, &ctrl2quant, &ctrl2scan, &ctrl2had, &ctrl2vec};
}

ProgramShape Controller::shape(int64_t tokens, bool decode, int64_t head_tokens) const {
  ProgramShape s;
  s.tokens = tokens;
  s.batch = plan_.batch;
  s.decode = decode;
  s.fp16 = cfg_.fp16();
  s.hadamard_size = plan_.hadamard_size;
  s.head_tokens = head_tokens;
  s.bytes = mem_.bytes;
  s.kv_capacity = mem_.kv_capacity;
  return s;
}

Controller::TileOps Controller::tile_ops(int64_t tokens, bool decode, int64_t head_tokens,
                                         int64_t context) {
  TileOps t;
  ProgramShape s = shape(tokens, decode, 0);
  s.context = context;
  const int64_t L = program_.layers();
  t.layers.resize(static_cast<size_t>(L));
  for (int64_t l = 0; l < L; ++l) {
    const int64_t key = program_.program_key(l);
    const std::vector<ProgramOp>* ops = nullptr;
    if (program_.reads_context(l)) {
      auto it = t.fresh.find(key);
      if (it == t.fresh.end()) it = t.fresh.emplace(key, program_.layer(l, s)).first;
      ops = &it->second;
    } else {
      const auto k = std::make_tuple(key, tokens, decode);
      auto it = layer_programs_.find(k);
      if (it == layer_programs_.end()) it = layer_programs_.emplace(k, program_.layer(l, s)).first;
      ops = &it->second;
    }
    t.layers[static_cast<size_t>(l)] = ops;
  }
  const auto hk = std::make_tuple(tokens, decode, head_tokens);
  auto it = heads_.find(hk);
  if (it == heads_.end())
    it = heads_.emplace(hk, program_.head(shape(tokens, decode, head_tokens))).first;
  t.head = &it->second;
  return t;
}

std::pair<uint64_t, uint64_t> Controller::expected_ops() {
  uint64_t ops = 0, gemms = 0;
  auto walk = [&](int64_t tokens, bool decode, uint64_t times) {
    auto count = [&](const std::vector<ProgramOp>& v) {
      for (const ProgramOp& p : v) {
        ops += times;
        if (p.unit == Unit::kGemm) gemms += times;
      }
    };
    // Operation counts do not depend on the context.
    const TileOps t = tile_ops(tokens, decode, 1, 0);
    for (const std::vector<ProgramOp>* ops : t.layers) count(*ops);
    count(*t.head);
  };
  if (plan_.prefill_tokens > 0) {
    walk(std::min(mem_.tile_tokens, plan_.prefill_tokens), false, static_cast<uint64_t>(n_tiles_));
  }
  if (plan_.decode_tokens > 0) walk(1, true, static_cast<uint64_t>(plan_.decode_tokens));
  return {ops, gemms};
}

void Controller::issue(const ProgramOp& p, int64_t layer, int64_t tile, int64_t first,
                       int64_t tokens, bool fill, const TileLayout& tl, const ProgramOp* next,
                       int64_t next_layer) {
  std::vector<int64_t>* order = p.order == StateOrder::kConv   ? &next_conv_
                                : p.order == StateOrder::kScan ? &next_scan_
                                : p.order == StateOrder::kKv   ? &next_kv_
                                                               : nullptr;
  const auto l = static_cast<size_t>(layer);
  if (order != nullptr && (*order)[l] != tile) {
    sc_core::sc_event mine;
    const auto key = std::make_tuple(static_cast<int>(p.order), layer, tile);
    order_waiters_[key] = &mine;
    while ((*order)[l] != tile) counted_wait(mine);
    order_waiters_.erase(key);
  }
  Command c = p.cmd;
  c.layer = layer;
  c.tile = tile;
  c.first_token = first + (tokens - p.cmd.tokens);  // the head runs on the tile's last tokens
  c.priority = layer * n_tiles_ + tile;
  c.concurrent = concurrent_;
  for (size_t i = 0; i < c.in.size(); ++i) c.in[i] = map_.place(p.in[i], tile, layer, tl);
  if (p.weight.region == Region::kSharedWeights) {
    // A shared block's weights fill SRAM on their first use by any invocation.
    const WeightOperands w =
        map_.place_weights(p.weight, layer, shared_claimed_.insert(p.weight.offset).second);
    c.weight = w.read;
    c.weight_fill = w.fill;
  } else if (p.weight.region == Region::kWeights || p.weight.region == Region::kNone) {
    const WeightOperands w = map_.place_weights(p.weight, layer, fill);
    c.weight = w.read;
    c.weight_fill = w.fill;
  } else {  // an activation as the matmul's second operand (the SSD's)
    c.weight = map_.place(p.weight, tile, layer, tl);
  }
  // Alone, a GEMM fetches the next GEMM's first strips at its end, unless
  // those are resident weights not yet in SRAM (their first use, in this
  // walk or the next layer's, fills them).
  const bool next_shared = next != nullptr && next->weight.region == Region::kSharedWeights;
  const bool next_filled =
      !mem_.weights_in_sram || (next_shared ? shared_claimed_.count(next->weight.offset) > 0
                                            : weights_claimed_[static_cast<size_t>(next_layer)] &&
                                                  !(next_layer == layer && fill));
  // A next GEMM whose W operand is an activation (the SSD's) cannot be
  // fetched before the operations that write it: no prefetch.
  const bool next_is_weight = next != nullptr && (next->weight.region == Region::kWeights ||
                                                  next->weight.region == Region::kSharedWeights);
  if (!concurrent_ && p.unit == Unit::kGemm && next_is_weight && next_filled) {
    c.next_weight = map_.place_weights(next->weight, next_layer, false).read;
    c.n_next = next->cmd.n;
    c.count_next = std::max<int64_t>(1, next->cmd.count);
  }
  c.out = map_.place(p.out, tile, layer, tl);
  c.state = map_.place(p.state, tile, layer, tl);

  tlm::tlm_generic_payload trans;
  uint8_t byte = 0;
  trans.set_command(tlm::TLM_WRITE_COMMAND);
  trans.set_address(0);
  trans.set_data_ptr(&byte);
  trans.set_data_length(1);
  trans.set_streaming_width(1);
  // The payload owns (and on any exit frees) its copy of the command.
  trans.set_extension(new Command(c));
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  (*sockets()[static_cast<size_t>(p.unit)])->b_transport(trans, delay);
  if (trans.is_response_error()) {
    throw Error(std::string("controller: ") + op_name(c.op) + " of layer " + std::to_string(layer) +
                " failed: " + trans.get_response_string());
  }
  if (delay > sc_core::SC_ZERO_TIME) counted_wait(delay);
  if (order != nullptr) {
    ++(*order)[l];
    const auto next =
        order_waiters_.find(std::make_tuple(static_cast<int>(p.order), layer, (*order)[l]));
    if (next != order_waiters_.end()) next->second->notify(sc_core::SC_ZERO_TIME);
  }
}

void Controller::walk_tile(int64_t tile, int64_t first, int64_t T, bool decode) {
  // The head: every step of decode; in prefill every token, or the last
  // token of the prompt (its last tile).
  const bool last_tile = decode || first + T == plan_.prefill_tokens;
  const int64_t head_tokens = decode ? 1 : head_all_ ? T : last_tile ? 1 : 0;
  const TileOps t = tile_ops(T, decode, head_tokens, first);
  const std::vector<ProgramOp>& head = *t.head;
  const TileLayout tl =
      map_.tile_layout({static_cast<uint64_t>(T), static_cast<uint64_t>(plan_.batch), decode});
  // Resident weights are filled by the first tile (or decode step) that
  // starts their layer; later ones read the SRAM copy.
  auto claim = [&](int64_t l) {
    const bool first_use = !weights_claimed_[static_cast<size_t>(l)];
    weights_claimed_[static_cast<size_t>(l)] = true;
    return first_use;
  };
  const int64_t L = program_.layers();
  auto ops_of = [&](int64_t l) -> const std::vector<ProgramOp>& {
    return *t.layers[static_cast<size_t>(l)];
  };
  // The GEMM after op i of layer l: later in the layer, else the next
  // layer's first, else the head's.
  auto first_gemm = [](const std::vector<ProgramOp>& ops, size_t from) -> const ProgramOp* {
    for (size_t j = from; j < ops.size(); ++j) {
      if (ops[j].unit == Unit::kGemm) return &ops[j];
    }
    return nullptr;
  };
  for (int64_t l = 0; l < L; ++l) {
    const bool fill = claim(l);
    const std::vector<ProgramOp>& ops = ops_of(l);
    for (size_t i = 0; i < ops.size(); ++i) {
      const ProgramOp* next = first_gemm(ops, i + 1);
      int64_t next_layer = l;
      if (next == nullptr) {
        next = l + 1 < L ? first_gemm(ops_of(l + 1), 0) : first_gemm(head, 0);
        next_layer = l + 1;
      }
      issue(ops[i], l, tile, first, T, fill, tl, next, next_layer);
    }
  }
  if (!head.empty()) {
    const bool fill = claim(L);
    for (size_t i = 0; i < head.size(); ++i) {
      issue(head[i], L, tile, first, T, fill, tl, first_gemm(head, i + 1), L);
    }
  }
}

void Controller::run() {
  guarded([this] {
    const int64_t tt = mem_.tile_tokens;
    const int64_t slots = mem_.activation_slots;
    // Prefill tiles run at once when there are several and room for more
    // than one; decode steps run one after another.
    concurrent_ = n_tiles_ > 1 && slots > 1;
    auto spawn = [&](int64_t i) {
      const int64_t first = i * tt;
      const int64_t T = std::min(tt, plan_.prefill_tokens - first);
      sc_core::sc_spawn([this, i, first, T] {
        guarded([&] { walk_tile(i, first, T, false); });
        tile_done_[static_cast<size_t>(i)] = true;
        tile_done_ev_.notify();
      });
    };
    // The first tiles start together (in reverse order of creation if the
    // plan asks: the results must not change, hw/arbiter.hpp).
    const int64_t together = std::min(slots, n_tiles_);
    for (int64_t k = 0; k < together; ++k) {
      spawn(plan_.spawn_tiles_reversed ? together - 1 - k : k);
    }
    for (int64_t i = together; i < n_tiles_; ++i) {
      // Tile i takes slot i % slots: wait until its last user is done.
      while (!tile_done_[static_cast<size_t>(i - slots)]) counted_wait(tile_done_ev_);
      spawn(i);
    }
    for (int64_t i = 0; i < n_tiles_; ++i) {
      while (!tile_done_[static_cast<size_t>(i)]) counted_wait(tile_done_ev_);
    }
    prefill_end_ = sc_core::sc_time_stamp();
    prefill_done_.notify();
    concurrent_ = false;
    // Decode steps follow the prefill's tokens, one after another (the
    // state handoff at the phase boundary is not charged: docs/timing.md).
    for (int64_t s = 0; s < plan_.decode_tokens; ++s) {
      next_conv_.assign(next_conv_.size(), s);
      next_scan_.assign(next_scan_.size(), s);
      next_kv_.assign(next_kv_.size(), s);
      walk_tile(s, plan_.prefill_tokens + s, 1, true);
      if (s == 0) first_step_end_ = sc_core::sc_time_stamp();
    }
    finish_ = sc_core::sc_time_stamp();
    finished_ = error_.empty();
    // The analytic memories leave no events behind: sc_start() returns by
    // itself. DRAMSys refreshes forever: stop it.
    if (cfg_.dram.model == DramModel::kDramsys) sc_core::sc_stop();
  });
}

}  // namespace ssmsim
