// Arbitration that does not depend on SystemC's process order. Requests
// that reach a shared resource (the DRAM channel, the SRAM ports) at one
// simulated time are collected until every process of that delta cycle has
// run, then placed in a fixed order: lowest priority value first (the oldest
// tile, then the lowest layer: Command::priority), then unit, then the
// order a unit issued them. Requests reach the resource at their own time
// (while other operations run, a unit synchronises before each one, or
// runs ahead to it where no other process can act first), so the
// channel serves them first come, first served by simulated time, ties
// broken by that order: docs/timing.md.
#pragma once

#include <algorithm>
#include <cstdint>
#include <systemc>
#include <tlm>
#include <vector>

#include "hw/switch_count.hpp"

namespace ssmsim {

// Who asks, on a memory payload: the requester's priority and unit, and
// whether the request must be arbitrated with others of the same time
// (false: no other operation runs, or none can act before the request's
// time: the request is placed at once).
struct MemRequester : tlm::tlm_extension<MemRequester> {
  int64_t priority = 0;
  uint8_t unit = 0;
  bool arbitrated = false;
  tlm::tlm_extension_base* clone() const override { return new MemRequester(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const MemRequester&>(other);
  }
};

class SameTimeArbiter {
 public:
  struct Entry {
    int64_t priority = 0;
    uint8_t unit = 0;
    uint64_t seq = 0;
    tlm::tlm_generic_payload* trans = nullptr;
    sc_core::sc_time done;  // set by decide()
    bool decided = false;
  };

  // A target's b_transport: places `trans` at once (not arbitrated) or
  // after the arbitration of its time; returns the delay, from
  // now, to its completion. place(trans, at) reserves the resource for a
  // request at `at` and returns the completion time.
  template <typename Place>
  sc_core::sc_time serve(tlm::tlm_generic_payload& trans, const sc_core::sc_time& delay,
                         Place place) {
    MemRequester* who = nullptr;
    trans.get_extension(who);
    if (who == nullptr || !who->arbitrated) {
      const sc_core::sc_time now = sc_core::sc_time_stamp();
      return place(trans, now + delay) - now;
    }
    Entry e;
    e.priority = who->priority;
    e.unit = who->unit;
    e.trans = &trans;
    submit(e);
    return e.done - sc_core::sc_time_stamp();
  }

  // Requester's side (its own thread): waits until decide() has placed it.
  void submit(Entry& e) {
    e.seq = seq_++;
    e.decided = false;
    pending_.push_back(&e);
    if (pending_.size() == 1) event_.notify(sc_core::SC_ZERO_TIME);
    while (!e.decided) counted_wait(decided_);
  }

  // The resource's method, sensitive to event(): places every pending
  // request in order, at the current time (place as for serve()).
  template <typename Place>
  void decide(Place place) {
    std::sort(pending_.begin(), pending_.end(), [](const Entry* a, const Entry* b) {
      if (a->priority != b->priority) return a->priority < b->priority;
      if (a->unit != b->unit) return a->unit < b->unit;
      return a->seq < b->seq;
    });
    for (Entry* e : pending_) {
      e->done = place(*e->trans, sc_core::sc_time_stamp());
      e->decided = true;
    }
    pending_.clear();
    decided_.notify();  // immediate: the requesters run again in this delta
  }

  const sc_core::sc_event& event() const { return event_; }

 private:
  std::vector<Entry*> pending_;
  uint64_t seq_ = 0;
  sc_core::sc_event event_, decided_;
};

}  // namespace ssmsim
