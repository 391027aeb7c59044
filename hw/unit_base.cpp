#include "hw/unit_base.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/error.hpp"
#include "hw/memory_map.hpp"
#include "hw/switch_count.hpp"

namespace ssmsim {

using sc_core::sc_time;

UnitBase::UnitBase(sc_core::sc_module_name name, Unit unit, const UnitContext& ctx)
    : sc_module(name),
      ctrl_target((std::string("ctrl2") + unit_name(unit)).c_str()),
      mem_initiator((std::string(unit_name(unit)) + "2mem").c_str()),
      period_(ctx.clock_period_ns, sc_core::SC_NS),
      busy_sig_((std::string(unit_name(unit)) + "_busy").c_str(), false),
      queued_sig_((std::string(unit_name(unit)) + "_queued").c_str(), 0),
      op_sig_((std::string(unit_name(unit)) + "_op").c_str(), -1),
      layer_sig_((std::string(unit_name(unit)) + "_layer").c_str(), -1),
      tile_sig_((std::string(unit_name(unit)) + "_tile").c_str(), -1),
      decode_sig_((std::string(unit_name(unit)) + "_decode").c_str(), false),
      stall_sig_((std::string(unit_name(unit)) + "_stall").c_str(), 0),
      window_(ctx.window),
      datapath_(*ctx.datapath),
      unit_(unit),
      sink_(ctx.sink),
      scratch_(1),
      memory_streams_(ctx.memory_streams),
      // The analytic memories (those that serve streams) place a request
      // at once when it is not arbitrated; with a VCD window they schedule
      // signal changes from the kernel's time, so the unit keeps to it.
      may_run_ahead_(ctx.memory_streams && !(ctx.window && ctx.window->enabled)) {
  ctrl_target.register_b_transport(this, &UnitBase::b_transport);
  SC_METHOD(signals_method);
  sensitive << signals_ev_ << window_open_ev_;
  dont_initialize();
  SC_METHOD(stall_method);
  sensitive << stall_q_ << window_open_ev_;
  dont_initialize();
  SC_METHOD(grant);
  sensitive << grant_ev_;
  dont_initialize();
  // The payload owns its extensions; this one says who asks (hw/arbiter.hpp).
  requester_ = new MemRequester;
  requester_->unit = static_cast<uint8_t>(unit);
  mem_trans_.set_extension(requester_);
  stream_ = new MemStream;
  mem_trans_.set_extension(stream_);
}

void UnitBase::signals_method() {
  if (!window_->active()) return;
  busy_sig_.write(busy_);
  queued_sig_.write(static_cast<int>(waiting_.size()));
  op_sig_.write(cur_op_);
  layer_sig_.write(cur_layer_);
  tile_sig_.write(cur_tile_);
  decode_sig_.write(cur_decode_);
  update_signals();
}

void UnitBase::start_of_simulation() {
  if (window_ && window_->opens_late()) window_open_ev_.notify(window_->start);
}

void UnitBase::stall_span(const sc_time& from, const sc_time& to, StallReason why) {
  if (!window_ || !window_->enabled || to <= from) return;
  const sc_time now = local_now();
  // Waits are decided at or after the kernel's time (a unit only waits for
  // its own requests' times, which come before its compute cursor).
  const sc_time a = std::max(from, now), b = std::max(to, now);
  if (b <= a) return;
  const sc_time start = op_start_ + a, end = op_start_ + b;
  stall_changes_.emplace(start.value(), static_cast<int>(why));
  stall_changes_.emplace(end.value(), static_cast<int>(StallReason::kNone));
  stall_q_.notify(a - now);
  stall_q_.notify(b - now);
}

void UnitBase::stall_method() {
  const uint64_t now = sc_core::sc_time_stamp().value();
  int v = stall_sig_.read();
  bool changed = false;
  while (!stall_changes_.empty() && stall_changes_.begin()->first <= now) {
    v = stall_changes_.begin()->second;
    stall_changes_.erase(stall_changes_.begin());
    changed = true;
  }
  stall_now_ = v;
  if ((changed || window_open_ev_.triggered()) && window_->active()) stall_sig_.write(v);
}

uint64_t UnitBase::to_cycles(const sc_time& t) const {
  return static_cast<uint64_t>(std::llround(t / period_));
}

void UnitBase::trace(sc_core::sc_trace_file* tf) const {
  sc_core::sc_trace(tf, busy_sig_, std::string(unit_name(unit_)) + ".busy");
  sc_core::sc_trace(tf, queued_sig_, std::string(unit_name(unit_)) + ".queued_ops");
  sc_core::sc_trace(tf, op_sig_, std::string(unit_name(unit_)) + ".op");
  sc_core::sc_trace(tf, layer_sig_, std::string(unit_name(unit_)) + ".layer");
  sc_core::sc_trace(tf, tile_sig_, std::string(unit_name(unit_)) + ".tile");
  sc_core::sc_trace(tf, decode_sig_, std::string(unit_name(unit_)) + ".decode");
  sc_core::sc_trace(tf, stall_sig_, std::string(unit_name(unit_)) + ".stall_reason");
}

void UnitBase::acquire(int64_t priority, bool concurrent) {
  // Alone on the accelerator, nothing else can ask for the unit.
  if (!concurrent && !busy_ && waiting_.empty()) {
    busy_ = true;
    return;
  }
  // Otherwise every request waits one delta: of those that arrive at one
  // time, the lowest priority gets the unit, whichever process ran first.
  Waiter mine;
  const auto it = waiting_.emplace(priority, &mine);
  touch_signals();
  if (!busy_) grant_ev_.notify(sc_core::SC_ZERO_TIME);
  while (!mine.granted) counted_wait(mine.ev);
  waiting_.erase(it);
}

void UnitBase::grant() {
  if (busy_ || waiting_.empty()) return;
  busy_ = true;
  Waiter* w = waiting_.begin()->second;  // the lowest priority's turn
  w->granted = true;
  w->ev.notify();
}

void UnitBase::release() {
  busy_ = false;
  cur_op_ = cur_layer_ = cur_tile_ = -1;
  cur_decode_ = false;
  if (!waiting_.empty()) grant_ev_.notify(sc_core::SC_ZERO_TIME);
  touch_signals();
}

void UnitBase::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  Command* d = nullptr;
  trans.get_extension(d);
  if (d == nullptr) {
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  // Commands are synchronised: which unit runs what first depends on time.
  counted_wait(delay);
  delay = sc_core::SC_ZERO_TIME;
  const sc_time requested = sc_core::sc_time_stamp();
  acquire(d->priority, d->concurrent);
  OpRecord rec;
  rec.queue_cycles = to_cycles(sc_core::sc_time_stamp() - requested);
  rec.unit = unit_;
  rec.op = d->op;
  rec.layer = d->layer;
  rec.tile = d->tile;
  rec.decode = d->decode;
  rec.M = d->m;
  rec.N = d->n;
  rec.K = d->k;
  rec.count = d->count;
  rec.start_cycle = to_cycles(sc_core::sc_time_stamp());
  cur_op_ = static_cast<int>(d->op);
  cur_layer_ = static_cast<int>(d->layer);
  cur_tile_ = static_cast<int>(d->tile);
  cur_decode_ = d->decode;
  touch_signals();
  // Inside an operation the unit computes in local time (from op_start_).
  // Alone, it runs ahead: its memory requests carry their offset as the
  // annotated delay and the targets place them at once; it synchronises
  // once, at the operation's end. With other operations running, mem()
  // waits until each request's time so that the memory serves requests in
  // time order (docs/timing.md). No quantum keeper: nothing else needs the
  // kernel's time.
  op_start_ = sc_core::sc_time_stamp();
  ahead_ = op_start_;
  requester_->priority = d->priority;
  requester_->arbitrated = d->concurrent;
  fill_done_ = sc_core::SC_ZERO_TIME;
  const sc_time computed = execute(*d, rec);
  stall_span(computed, fill_done_, StallReason::kWeights);  // the SRAM copy of the weights
  const sc_time done = check_time(std::max(computed, fill_done_), name());
  // The kernel goes to the end, or to where the unit ran ahead to.
  const sc_time end = std::max(op_start_ + done, ahead_);
  if (end > sc_core::sc_time_stamp()) counted_wait(end - sc_core::sc_time_stamp());
  rec.end_cycle = to_cycles(sc_core::sc_time_stamp());
  // Memory times need not be whole cycles (a derated or DRAMSys channel):
  // they round once, at the operation's ends, and the stall is what the
  // rounded span leaves beside the busy cycles, so the two add up.
  const uint64_t span = rec.end_cycle - rec.start_cycle;
  rec.stall_cycles = span >= rec.busy_cycles ? span - rec.busy_cycles : 0;
  stats_.ops += 1;
  stats_.busy_cycles += rec.busy_cycles;
  stats_.stall_cycles += rec.stall_cycles;
  stats_.elements += rec.elements;
  stats_.dram_read_bytes += rec.dram_read_bytes;
  stats_.dram_write_bytes += rec.dram_write_bytes;
  stats_.sram_read_bytes += rec.sram_read_bytes;
  stats_.sram_write_bytes += rec.sram_write_bytes;
  release();
  sink_->add(rec);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

sc_time UnitBase::execute(const Command& d, OpRecord& rec) {
  const sc_time zero = sc_core::SC_ZERO_TIME;
  const bool state = d.decode && d.state.bytes > 0;
  Arrival in;
  in.add(read_inputs(d, zero, rec), StallReason::kInput);
  in.add(read_weights(d, 0, d.weight.bytes, zero, rec), StallReason::kWeights);
  if (state) in.add(mem(tlm::TLM_READ_COMMAND, d.state, zero, rec), StallReason::kState);
  const sc_time ready = in.at;
  stall_span(zero, ready, in.why);
  datapath_.compute(d);
  const Work w = work(d);
  computing(d, ready);
  const sc_time t = ready + cycles(w.busy_cycles);
  sc_time done = mem(tlm::TLM_WRITE_COMMAND, d.out, t, rec);
  if (state) done = std::max(done, mem(tlm::TLM_WRITE_COMMAND, d.state, t, rec));
  stall_span(t, done, StallReason::kOutput);
  rec.busy_cycles = w.busy_cycles;
  rec.elements = w.elements;
  rec.arith_ops = w.arith_ops;
  return done;
}

UnitBase::Work UnitBase::work(const Command& d) const {
  throw std::logic_error(std::string(name()) + ": no cycle formula for " + op_name(d.op));
}

sc_time UnitBase::read_inputs(const Command& d, sc_time at, OpRecord& rec) {
  sc_time ready = at;
  for (const Operand& o : d.in) ready = std::max(ready, mem(tlm::TLM_READ_COMMAND, o, at, rec));
  return ready;
}

sc_time UnitBase::read_weights(const Command& d, uint64_t offset, uint64_t bytes, sc_time at,
                               OpRecord& rec) {
  const sc_time arrived = mem(tlm::TLM_READ_COMMAND, {d.weight.addr + offset, bytes}, at, rec);
  if (d.weight_fill.bytes > 0) {
    fill_done_ = std::max(fill_done_, mem(tlm::TLM_WRITE_COMMAND,
                                          {d.weight_fill.addr + offset, bytes}, arrived, rec));
  }
  return arrived;
}

sc_time UnitBase::mem(tlm::tlm_command cmd, const Operand& o, sc_time at, OpRecord& rec) {
  const uint64_t addr = o.addr, bytes = o.bytes;
  if (bytes == 0) return at;
  if (o.window > 0 && bytes > o.window) {
    // Through a block buffer: one transfer per block, all requested at `at`.
    sc_time done = at;
    for (uint64_t moved = 0; moved < bytes; moved += o.window) {
      done = std::max(done, mem(cmd, {addr, std::min(o.window, bytes - moved), 0}, at, rec));
    }
    return done;
  }
  // The request leaves at `at`, or now if that has passed.
  const sc_time leave = op_start_ + std::max(at, local_now());
  const bool concurrent = requester_->arbitrated;
  bool arbitrate = concurrent;
  if (concurrent) {
    // Other operations run: the memory serves requests in time order. If
    // no other process can act before this one leaves (and the memories
    // allow it), the unit runs ahead to its time and the memory places it
    // at once, where the kernel would have woken this process alone and
    // the arbitration found it alone (conservative lookahead: the
    // placements are the same, without the two switches). Otherwise the
    // kernel goes to its time (the request leaves then), and it is
    // arbitrated unless it is alone there.
    auto alone = [&] { return may_run_ahead_ && before_others(leave); };
    bool ahead = alone();
    if (!ahead && leave > sc_core::sc_time_stamp()) {
      counted_wait(leave - sc_core::sc_time_stamp());
      ahead = alone();  // asked again only where the kernel moved
    }
    arbitrate = !ahead;
    if (ahead) ahead_ = leave;
  }
  // One payload per unit, reused: a unit runs one operation at a time and a
  // memory call returns before the next (constructing one allocates).
  tlm::tlm_generic_payload& trans = mem_trans_;
  trans.set_command(cmd);
  trans.set_address(addr);
  // Performance model: targets account bytes and time, they do not touch
  // the data, so one scratch byte stands for the buffer.
  trans.set_data_ptr(scratch_.data());
  trans.set_data_length(static_cast<unsigned>(std::min<uint64_t>(bytes, 0xffffffffu)));
  trans.set_streaming_width(trans.get_data_length());
  trans.set_byte_enable_ptr(nullptr);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  const sc_time now = sc_core::sc_time_stamp();
  sc_time t = leave - now;
  requester_->arbitrated = arbitrate;
  mem_initiator->b_transport(trans, t);
  requester_->arbitrated = concurrent;
  t += now - op_start_;  // local time of arrival
  if (trans.is_response_error()) mem_failed(trans, bytes);
  check_time(t, name());
  count(cmd, addr, bytes, rec);
  return t;
}

bool UnitBase::before_others(const sc_time& at) const {
  return at < sc_core::sc_time_stamp() + sc_core::sc_time_to_pending_activity();
}

void UnitBase::mem_failed(const tlm::tlm_generic_payload& trans, uint64_t bytes) const {
  char addr[32];
  std::snprintf(addr, sizeof addr, "%llx", static_cast<unsigned long long>(trans.get_address()));
  throw Error(std::string(unit_name(unit_)) + ": memory " + (trans.is_read() ? "read" : "write") +
              " of " + std::to_string(bytes) + " bytes at 0x" + addr +
              " failed: " + trans.get_response_string());
}

void UnitBase::send_stream(tlm::tlm_command cmd, MemStream::Source& source, uint64_t first_addr,
                           uint64_t first_bytes) {
  if (requester_->arbitrated) {
    throw Error(std::string("internal: ") + name() + ": a stream while other operations run");
  }
  tlm::tlm_generic_payload& trans = mem_trans_;
  trans.set_command(cmd);
  trans.set_address(first_addr);  // the interconnect routes by it
  trans.set_data_ptr(scratch_.data());
  trans.set_data_length(0);
  trans.set_byte_enable_ptr(nullptr);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  stream_->source = &source;
  sc_time delay = sc_core::SC_ZERO_TIME;
  mem_initiator->b_transport(trans, delay);
  stream_->source = nullptr;
  if (trans.is_response_error()) mem_failed(trans, first_bytes);
}

}  // namespace ssmsim
