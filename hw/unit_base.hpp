// What every compute unit shares: a target socket for commands from the
// controller, an initiator socket to memory, in-order priority arbitration,
// local time within an operation, stats and an op log, and
// signals mirrored for VCD tracing (TLM payloads do not show in waveforms).
// A unit is a timing model: what its operation computes is the Datapath's.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <map>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "hw/arbiter.hpp"
#include "hw/command.hpp"
#include "hw/datapath.hpp"
#include "hw/mem_stream.hpp"
#include "hw/memory_map.hpp"
#include "hw/time_limit.hpp"
#include "hw/trace_window.hpp"
#include "hw/unit_stats.hpp"

namespace ssmsim {

// What every unit is built with besides its own configuration.
struct UnitContext {
  double clock_period_ns;       // the accelerator's clock
  OpSink* sink;                 // executed operations, in completion order
  const TraceWindow* window;    // VCD window (nullptr: no tracing)
  Datapath* datapath;           // computes each operation's data
  bool memory_streams = false;  // the memories serve stream transactions (hw/mem_stream.hpp)
};

class UnitBase : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<UnitBase> ctrl_target;       // commands in
  tlm_utils::simple_initiator_socket<UnitBase> mem_initiator;  // to memory

  SC_HAS_PROCESS(UnitBase);
  UnitBase(sc_core::sc_module_name name, Unit unit, const UnitContext& ctx);

  const UnitStats& stats() const { return stats_; }
  Unit unit() const { return unit_; }
  sc_core::sc_time cycles(uint64_t n) const {
    return check_time(period_ * static_cast<double>(n), name());
  }
  uint64_t to_cycles(const sc_core::sc_time& t) const;
  void trace(sc_core::sc_trace_file* tf) const;

 protected:
  // The operation itself: issues memory traffic through mem() at local time
  // offsets, has the datapath compute, and returns the local time at which
  // it is done. It fills rec's busy (and compute) cycles and counts; the
  // stall is decided once, by b_transport: the operation's span less its
  // busy cycles. The default is the skeleton the vector, scan and Hadamard
  // units share (a template method): read the inputs, the weights and a
  // decode step's state from the start; the datapath computes; busy for
  // work(d).busy_cycles; write the output (and the state). The GEMM and
  // the quantizer, whose timing depends on strips and lanes, override it.
  virtual sc_core::sc_time execute(const Command& d, OpRecord& rec);
  // What the skeleton's operation costs: the unit's cycle formula, and the
  // elements and arithmetic operations it counts.
  struct Work {
    uint64_t busy_cycles = 0, elements = 0, arith_ops = 0;
  };
  virtual Work work(const Command& d) const;
  // Called when the skeleton's compute starts, at local `ready` (the scan
  // unit's per-token VCD signal).
  virtual void computing(const Command& d, const sc_core::sc_time& ready) { (void)d, (void)ready; }

  // A memory transaction issued `at` after the operation's start; returns
  // the local time at which its data has arrived (read) or landed (write).
  sc_core::sc_time mem(tlm::tlm_command cmd, const Operand& o, sc_core::sc_time at, OpRecord& rec);
  // Local time now: how far the kernel has advanced in this operation, or
  // the unit past it, where it ran ahead of the kernel (mem()).
  sc_core::sc_time local_now() const {
    return std::max(sc_core::sc_time_stamp(), ahead_) - op_start_;
  }
  // Kernel time at which the current operation started.
  const sc_core::sc_time& op_start() const { return op_start_; }
  // Reads every input operand from `at`; returns when the last has arrived.
  sc_core::sc_time read_inputs(const Command& d, sc_core::sc_time at, OpRecord& rec);
  // Reads `bytes` of the weights from `offset` inside d.weight at `at`;
  // returns their arrival. The first use of resident weights also writes
  // them to their SRAM copy as they arrive (the operation ends after that).
  sc_core::sc_time read_weights(const Command& d, uint64_t offset, uint64_t bytes,
                                sc_core::sc_time at, OpRecord& rec);
  // A chain of requests whose times follow the completions before them:
  // next() gives a request (at a local time), done() its local arrival.
  struct MemRequest {
    uint64_t addr = 0, bytes = 0;
    sc_core::sc_time at;
    OpRecord* rec = nullptr;  // counts its bytes
  };
  class MemChain {
   public:
    virtual bool next(MemRequest& r) = 0;
    virtual void done(const sc_core::sc_time& arrived) = 0;

   protected:
    ~MemChain() = default;
  };
  // The chain as one stream transaction (hw/mem_stream.hpp): the same
  // placements, stats and byte counts as mem() per request. Only for an
  // operation running alone (nothing may come between the requests), all
  // requests to one memory, and when streams_to_memory().
  template <typename Chain>  // a MemChain; a final class inlines its calls
  void mem_stream(tlm::tlm_command cmd, Chain& chain);
  bool streams_to_memory() const { return memory_streams_; }

  // The compute waits for memory over local [from, to), for `why`: the
  // VCD's stall_reason shows it at that time (scheduled: a unit running
  // ahead in local time knows its waits before the kernel reaches them).
  void stall_span(const sc_core::sc_time& from, const sc_core::sc_time& to, StallReason why);

  // Operations run in the callers' threads, and a signal has one driver:
  // state changes only notify, and one method per unit writes the signals
  // (inside the VCD window only, which bounds the file's size).
  void touch_signals() {
    if (window_ && window_->enabled) signals_ev_.notify(sc_core::SC_ZERO_TIME);
  }
  // Subclasses write their own traced signals from their state here.
  virtual void update_signals() {}
  // Notified as a VCD window that starts after time 0 opens: a subclass's
  // own signal-writing method listens too.
  const sc_core::sc_event& window_opens() const { return window_open_ev_; }

  sc_core::sc_time period_;
  UnitStats stats_;
  sc_core::sc_signal<bool> busy_sig_;
  sc_core::sc_signal<int> queued_sig_;
  // The operation the unit holds (its Op code, -1 when idle), its layer
  // (n_layer: the head), tile or decode step, and phase (1: decode).
  sc_core::sc_signal<int> op_sig_, layer_sig_, tile_sig_;
  sc_core::sc_signal<bool> decode_sig_;
  sc_core::sc_signal<int> stall_sig_;
  const TraceWindow* window_;
  Datapath& datapath_;

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void acquire(int64_t priority, bool concurrent);
  void grant();
  void release();
  void signals_method();
  void stall_method();
  // Both methods also run as the VCD window opens (TraceWindow::
  // opens_late), so the window starts on the true values.
  void start_of_simulation() override;

  Unit unit_;
  OpSink* sink_;
  bool busy_ = false;
  int cur_op_ = -1, cur_layer_ = -1, cur_tile_ = -1;
  bool cur_decode_ = false;
  int stall_now_ = 0;  // the stall reason now, inside the window or not
  sc_core::sc_event window_open_ev_;
  // Commands waiting for the unit, by priority, each with its own event:
  // a release wakes only the one that may proceed, so a switch costs the
  // same whatever the queue's length.
  struct Waiter {
    sc_core::sc_event ev;
    bool granted = false;
  };
  std::multimap<int64_t, Waiter*> waiting_;
  sc_core::sc_event grant_ev_;
  sc_core::sc_event signals_ev_;
  // Scheduled stall_reason changes (absolute time value, reason), applied
  // in insertion order at their time.
  std::multimap<uint64_t, int> stall_changes_;
  sc_core::sc_event_queue stall_q_;
  std::vector<uint8_t> scratch_;
  sc_core::sc_time fill_done_;  // the current operation's SRAM weight fill has landed
  sc_core::sc_time op_start_;   // kernel time at which the current operation started
  // Where the unit has run ahead of the kernel (absolute): mem() places a
  // request at once when no other process can act before its time.
  sc_core::sc_time ahead_;
  tlm::tlm_generic_payload mem_trans_;
  MemRequester* requester_ = nullptr;  // owned by mem_trans_
  MemStream* stream_ = nullptr;        // owned by mem_trans_; its source set during a stream
  bool memory_streams_;
  bool may_run_ahead_;  // the memories place requests at once and leave no events
  // Whether a request leaving at `at` (absolute) comes before anything
  // another process can do: nothing else is due at the kernel's time, and
  // the next timed event is later than `at`.
  bool before_others(const sc_core::sc_time& at) const;
  // Inline: a stream counts each of its requests.
  void count(tlm::tlm_command cmd, uint64_t addr, uint64_t bytes, OpRecord& rec) {
    ++stats_.accesses;
    const bool sram = addr >= kSramBase;
    const bool read = cmd == tlm::TLM_READ_COMMAND;
    (sram ? (read ? rec.sram_read_bytes : rec.sram_write_bytes)
          : (read ? rec.dram_read_bytes : rec.dram_write_bytes)) += bytes;
  }
  // One transaction carrying `source`, routed by its first request.
  void send_stream(tlm::tlm_command cmd, MemStream::Source& source, uint64_t first_addr,
                   uint64_t first_bytes);
  [[noreturn]] void mem_failed(const tlm::tlm_generic_payload& trans, uint64_t bytes) const;
};

template <typename Chain>
void UnitBase::mem_stream(tlm::tlm_command cmd, Chain& chain) {
  // The chain's requests as the stream's, each with mem()'s delay (from the
  // local time already elapsed), arrival, check and counts.
  struct Adapter final : MemStream::Source {
    UnitBase& u;
    Chain& chain;
    tlm::tlm_command cmd;
    sc_core::sc_time elapsed;
    MemRequest r;
    bool primed = false;  // r holds the first request, taken to route the transaction
    Adapter(UnitBase& u, Chain& chain, tlm::tlm_command cmd)
        : u(u), chain(chain), cmd(cmd), elapsed(u.local_now()) {}
    bool take() {  // the next request with bytes (none: no transfer, as mem())
      while (chain.next(r)) {
        if (r.bytes > 0) return true;
        chain.done(r.at);
      }
      return false;
    }
    bool next(const sc_core::sc_time* done, tlm::tlm_generic_payload& trans,
              sc_core::sc_time& at) override {
      if (done != nullptr) {
        const sc_core::sc_time t = check_time(*done + elapsed, u.name());
        u.count(cmd, r.addr, r.bytes, *r.rec);
        chain.done(t);
      }
      if (!primed && !take()) return false;
      primed = false;
      trans.set_address(r.addr);
      const auto length = static_cast<unsigned>(std::min<uint64_t>(r.bytes, 0xffffffffu));
      trans.set_data_length(length);
      trans.set_streaming_width(length);
      at = r.at > elapsed ? r.at - elapsed : sc_core::SC_ZERO_TIME;
      return true;
    }
  } source(*this, chain, cmd);
  if (!source.take()) return;
  source.primed = true;
  send_stream(cmd, source, source.r.addr, source.r.bytes);
}

}  // namespace ssmsim
