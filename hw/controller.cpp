#include "hw/controller.hpp"

#include <sysc/kernel/sc_spawn.h>

#include <algorithm>

#include "common/error.hpp"

namespace ssmsim {

namespace {

// Per-layer weight bytes (INT8 or fp16 GEMM weights, `wb` bytes each; fp16
// conv weights and norm gains; fp32 A and D for the scan).
struct LayerWeights {
  uint64_t in_proj, conv, x_proj, dt_proj, scan_params, out_proj, norm;
  uint64_t total() const {
    return in_proj + conv + x_proj + dt_proj + scan_params + out_proj + norm;
  }
};

LayerWeights layer_weights(const ModelDims& d, uint64_t wb) {
  const auto D = static_cast<uint64_t>(d.d_inner), dm = static_cast<uint64_t>(d.d_model),
             N = static_cast<uint64_t>(d.d_state), r = static_cast<uint64_t>(d.dt_rank),
             k = static_cast<uint64_t>(d.d_conv);
  return {2 * D * dm * wb,
          D * k * 2 + D * 2,
          (r + 2 * N) * D * wb,
          D * r * wb + D * 2,
          D * N * 4 + D * 4,
          dm * D * wb,
          dm * 2};
}

// Offsets of one tile's activation buffers, T rows (tokens x batch; see
// docs/timing.md). `ab`: bytes of a GEMM-input element (1 INT8, 2 fp16).
struct TileBuffers {
  uint64_t resid, norm, xz, u, dtbc, dt, y, yq, out, end;
};

TileBuffers tile_buffers(const ModelDims& d, uint64_t T, uint64_t ab) {
  const auto D = static_cast<uint64_t>(d.d_inner), dm = static_cast<uint64_t>(d.d_model),
             N = static_cast<uint64_t>(d.d_state), r = static_cast<uint64_t>(d.dt_rank);
  TileBuffers b{};
  uint64_t o = 0;
  b.resid = o;
  o += T * dm * 4;  // fp32 residual stream
  b.norm = o;
  o += T * dm * ab;  // RMSNorm output
  b.xz = o;
  o += T * 2 * D * ab;  // in_proj output (x, z)
  b.u = o;
  o += T * D * 2;  // fp16 conv1d+SiLU output
  b.dtbc = o;
  o += T * (r + 2 * N) * ab;  // x_proj output
  b.dt = o;
  o += T * D * 2;  // fp16 dt_proj output
  b.y = o;
  o += T * D * 2;  // fp16 scan / gate output
  b.yq = o;
  if (ab == 1) o += T * D;  // INT8 Hadamard output (w8a8 only)
  b.out = o;
  o += T * dm * 2;  // fp16 out_proj output
  b.end = o;
  return b;
}

}  // namespace

Controller::Controller(sc_core::sc_module_name name, const ArchConfig& cfg, const RunPlan& plan)
    : sc_module(name),
      ctrl2gemm("ctrl2gemm"),
      ctrl2quant("ctrl2quant"),
      ctrl2scan("ctrl2scan"),
      ctrl2had("ctrl2had"),
      ctrl2vec("ctrl2vec"),
      cfg_(cfg),
      plan_(plan) {
  n_tiles_ = (plan_.prefill_tokens + cfg_.controller.tile_tokens - 1) / cfg_.controller.tile_tokens;
  next_conv_.assign(static_cast<size_t>(plan_.dims.n_layer), 0);
  next_scan_.assign(static_cast<size_t>(plan_.dims.n_layer), 0);
  plan_memory();
  SC_THREAD(run);
}

void Controller::plan_memory() {
  const ModelDims& d = plan_.dims;
  mem_.weight_elem_bytes = cfg_.fp16() ? 2 : 1;
  mem_.act_elem_bytes = cfg_.fp16() ? 2 : 1;
  mem_.ssm_state_elem_bytes = cfg_.fp16() ? 2 : 1;
  const auto B = static_cast<uint64_t>(plan_.batch);
  const uint64_t T =
      plan_.prefill_tokens > 0
          ? static_cast<uint64_t>(std::min(plan_.prefill_tokens, cfg_.controller.tile_tokens))
          : 1;
  mem_.tile_footprint_bytes =
      tile_buffers(d, T * B, static_cast<uint64_t>(mem_.act_elem_bytes)).end;
  mem_.state_bytes =
      B * static_cast<uint64_t>(d.n_layer) * (conv_state_bytes(d) + ssm_state_bytes(d));
  const auto wb = static_cast<uint64_t>(mem_.weight_elem_bytes);
  mem_.weight_bytes = static_cast<uint64_t>(d.n_layer) * layer_weights(d, wb).total() +
                      static_cast<uint64_t>(d.vocab_size * d.d_model) * wb +
                      static_cast<uint64_t>(d.d_model * 2);
  const auto sram = static_cast<uint64_t>(cfg_.sram.bytes);
  // Two tile slots (double buffering), then the decode state if it fits.
  mem_.activations_in_sram = 2 * mem_.tile_footprint_bytes <= sram;
  const uint64_t used = mem_.activations_in_sram ? 2 * mem_.tile_footprint_bytes : 0;
  mem_.state_in_sram = plan_.decode_tokens == 0 || used + mem_.state_bytes <= sram;
}

uint64_t Controller::conv_state_bytes(const ModelDims& d) const {
  return static_cast<uint64_t>((d.d_conv - 1) * d.d_inner * mem_.act_elem_bytes);
}

uint64_t Controller::ssm_state_bytes(const ModelDims& d) const {
  return static_cast<uint64_t>(d.d_inner * d.d_state * mem_.ssm_state_elem_bytes);
}

uint64_t Controller::layer_weight_base(int64_t layer) const {
  return kDramBase +
         static_cast<uint64_t>(layer) *
             layer_weights(plan_.dims, static_cast<uint64_t>(mem_.weight_elem_bytes)).total();
}

void Controller::issue(tlm_utils::simple_initiator_socket<Controller>& s, TensorDesc& d) {
  tlm::tlm_generic_payload trans;
  std::vector<uint8_t> cmd(1);
  trans.set_command(tlm::TLM_WRITE_COMMAND);
  trans.set_address(0);
  trans.set_data_ptr(cmd.data());
  trans.set_data_length(1);
  trans.set_streaming_width(1);
  d.fn = plan_.fn;
  // The payload owns (and on any exit frees) its copy of the descriptor.
  trans.set_extension(new TensorDesc(d));
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  s->b_transport(trans, delay);
  if (trans.is_response_error()) {
    throw Error("controller: " + d.op + " of layer " + std::to_string(d.layer) +
                " failed: " + trans.get_response_string());
  }
  if (delay > sc_core::SC_ZERO_TIME) wait(delay);
}

void Controller::walk_tile(int64_t tile, int64_t first, int64_t T, bool decode) {
  const ModelDims& d = plan_.dims;
  const int64_t D = d.d_inner, dm = d.d_model, N = d.d_state, r = d.dt_rank;
  const int64_t B = plan_.batch;
  const int64_t R = T * B;  // rows: tokens of every sequence in the batch
  const bool fp16 = cfg_.fp16();
  const auto uR = static_cast<uint64_t>(R), uB = static_cast<uint64_t>(B);
  const auto ab = static_cast<uint64_t>(mem_.act_elem_bytes);
  const TileBuffers b = tile_buffers(d, uR, ab);
  // Activation slot of this tile: two slots alternate (double buffering).
  const uint64_t act_base =
      (mem_.activations_in_sram ? kSramBase : kDramBase + (uint64_t(1) << 39)) +
      static_cast<uint64_t>(tile % 2) * b.end;
  // In SRAM the state sits after the tile slots, if those are in SRAM too.
  const uint64_t slots = mem_.activations_in_sram ? 2 * mem_.tile_footprint_bytes : 0;
  const uint64_t state_region =
      mem_.state_in_sram ? kSramBase + slots : kDramBase + (uint64_t(3) << 38);
  const LayerWeights w = layer_weights(d, static_cast<uint64_t>(mem_.weight_elem_bytes));
  auto base = [&](const std::string& op, int64_t layer) {
    TensorDesc t;
    t.op = op;
    t.layer = layer;
    t.tile = tile;
    t.first_token = first;
    t.tokens = T;
    t.decode = decode;
    t.priority = layer * n_tiles_ + tile;
    return t;
  };
  auto in_order = [&](std::vector<int64_t>& next, int64_t layer) {
    while (next[static_cast<size_t>(layer)] != tile) wait(order_ev_);
  };
  auto done_in_order = [&](std::vector<int64_t>& next, int64_t layer) {
    ++next[static_cast<size_t>(layer)];
    order_ev_.notify(sc_core::SC_ZERO_TIME);
  };
  const auto uD = static_cast<uint64_t>(D), udm = static_cast<uint64_t>(dm),
             uN = static_cast<uint64_t>(N), ur = static_cast<uint64_t>(r);
  for (int64_t l = 0; l < d.n_layer; ++l) {
    uint64_t wa = layer_weight_base(l);
    const uint64_t state_l =
        state_region + static_cast<uint64_t>(l) * (mem_.state_bytes / d.n_layer);
    TensorDesc t = base("rmsnorm", l);
    t.elements = R * dm;
    t.passes = 2;
    t.in_addr = act_base + b.resid, t.in_bytes = uR * udm * 4;
    t.weight_addr = wa, t.weight_bytes = w.norm;
    t.out_addr = act_base + b.norm, t.out_bytes = uR * udm * ab;
    issue(ctrl2vec, t);
    wa += w.norm;

    t = base("in_proj", l);
    t.M = R, t.K = dm, t.N = 2 * D;
    t.in_addr = act_base + b.norm, t.in_bytes = uR * udm * ab;
    t.weight_addr = wa, t.weight_bytes = w.in_proj;
    t.out_addr = act_base + b.xz, t.out_bytes = uR * 2 * uD * ab;
    issue(ctrl2gemm, t);
    wa += w.in_proj;

    t = base("conv1d_silu", l);
    t.elements = R * D;
    t.passes = d.d_conv + 1;  // d_conv MACs, then SiLU
    t.in_addr = act_base + b.xz, t.in_bytes = uR * uD * ab;
    t.weight_addr = wa, t.weight_bytes = w.conv;
    t.out_addr = act_base + b.u, t.out_bytes = uR * uD * 2;
    if (decode) t.state_addr = state_l, t.state_bytes = uB * conv_state_bytes(d);
    in_order(next_conv_, l);
    issue(ctrl2vec, t);
    done_in_order(next_conv_, l);
    wa += w.conv;

    if (!fp16) {  // the fp16 baseline feeds x_proj and the scan with fp16 u
      t = base("ssm_in_quant", l);
      t.elements = R * D;
      t.in_addr = act_base + b.u, t.in_bytes = uR * uD * 2;
      issue(ctrl2quant, t);
    }

    t = base("x_proj", l);
    t.M = R, t.K = D, t.N = r + 2 * N;
    if (fp16) {
      t.in_addr = act_base + b.u, t.in_bytes = uR * uD * 2;
    } else {
      t.input_from_link = true;
    }
    t.weight_addr = wa, t.weight_bytes = w.x_proj;
    t.out_addr = act_base + b.dtbc, t.out_bytes = uR * (ur + 2 * uN) * ab;
    issue(ctrl2gemm, t);
    wa += w.x_proj;

    t = base("dt_proj", l);
    t.M = R, t.K = r, t.N = D;
    t.in_addr = act_base + b.dtbc, t.in_bytes = uR * ur * ab;
    t.weight_addr = wa, t.weight_bytes = w.dt_proj;
    t.out_addr = act_base + b.dt, t.out_bytes = uR * uD * 2;
    issue(ctrl2gemm, t);
    wa += w.dt_proj;

    // The scan: B * d_inner independent channels of d_state each.
    t = base("scan", l);
    t.N = B * D, t.K = N;
    t.in_addr = act_base + b.dt, t.in_bytes = uR * uD * 2 + uR * 2 * uN * ab;
    if (fp16) t.in_bytes += uR * uD * 2;  // u from memory, not from the quantizer link
    t.weight_addr = wa, t.weight_bytes = w.scan_params;
    t.out_addr = act_base + b.y, t.out_bytes = uR * uD * 2;
    if (decode) {
      t.state_addr = state_l + uB * conv_state_bytes(d);
      t.state_bytes = uB * ssm_state_bytes(d);
    }
    in_order(next_scan_, l);
    issue(ctrl2scan, t);
    done_in_order(next_scan_, l);
    wa += w.scan_params;

    t = base("gate", l);
    t.elements = R * D;
    t.passes = 2;  // SiLU(z), multiply
    t.in_addr = act_base + b.y, t.in_bytes = uR * uD * 2 + uR * uD * ab;
    t.out_addr = act_base + b.y, t.out_bytes = uR * uD * 2;
    issue(ctrl2vec, t);

    if (!fp16) {
      t = base("hadamard", l);
      t.N = B * D, t.K = plan_.hadamard_size;
      t.in_addr = act_base + b.y, t.in_bytes = uR * uD * 2;
      t.out_addr = act_base + b.yq, t.out_bytes = uR * uD;
      issue(ctrl2had, t);
    }

    t = base("out_proj", l);
    t.M = R, t.K = D, t.N = dm;
    t.in_addr = act_base + (fp16 ? b.y : b.yq), t.in_bytes = uR * uD * ab;
    t.weight_addr = wa, t.weight_bytes = w.out_proj;
    t.out_addr = act_base + b.out, t.out_bytes = uR * udm * 2;
    issue(ctrl2gemm, t);

    t = base("residual", l);
    t.elements = R * dm;
    t.in_addr = act_base + b.out, t.in_bytes = uR * udm * 2 + uR * udm * 4;
    t.out_addr = act_base + b.resid, t.out_bytes = uR * udm * 4;
    issue(ctrl2vec, t);
  }
  // Head: final RMSNorm and lm_head (the embedding lookup is a gather).
  const int64_t head = d.n_layer;
  const uint64_t head_w = layer_weight_base(head);
  TensorDesc t = base("final_norm", head);
  t.elements = R * dm;
  t.passes = 2;
  t.in_addr = act_base + b.resid, t.in_bytes = uR * udm * 4;
  t.weight_addr = head_w, t.weight_bytes = udm * 2;
  t.out_addr = act_base + b.norm, t.out_bytes = uR * udm * ab;
  issue(ctrl2vec, t);
  t = base("lm_head", head);
  t.M = R, t.K = dm, t.N = d.vocab_size;
  t.in_addr = act_base + b.norm, t.in_bytes = uR * udm * ab;
  t.weight_addr = head_w + udm * 2;
  t.weight_bytes =
      static_cast<uint64_t>(d.vocab_size) * udm * static_cast<uint64_t>(mem_.weight_elem_bytes);
  // Logits leave the chip (fp16).
  t.out_addr = kDramBase + (uint64_t(1) << 38),
  t.out_bytes = uR * static_cast<uint64_t>(d.vocab_size) * 2;
  issue(ctrl2gemm, t);
}

void Controller::run() {
  const int64_t tt = cfg_.controller.tile_tokens;
  for (int64_t i = 0; i < n_tiles_; ++i) {
    const int64_t first = i * tt;
    const int64_t T = std::min(tt, plan_.prefill_tokens - first);
    sc_core::sc_spawn([this, i, first, T] {
      walk_tile(i, first, T, false);
      ++tiles_done_;
      tile_done_ev_.notify();
    });
  }
  while (tiles_done_ < n_tiles_) wait(tile_done_ev_);
  prefill_end_ = sc_core::sc_time_stamp();
  // Decode steps follow the prefill's tokens, one after another (the state
  // handoff at the phase boundary is not charged: docs/timing.md).
  for (int64_t s = 0; s < plan_.decode_tokens; ++s) {
    next_conv_.assign(next_conv_.size(), s);
    next_scan_.assign(next_scan_.size(), s);
    walk_tile(s, plan_.prefill_tokens + s, 1, true);
  }
  finish_ = sc_core::sc_time_stamp();
  finished_ = true;  // no events remain: sc_start() returns by itself
}

}  // namespace ssmsim
