// A chain of memory requests carried by one transaction, as a DMA engine
// runs a descriptor chain: the target asks the source for each request in
// turn and hands back its completion before asking for the next, so a
// request's time may depend on the completions before it (the array's
// weight buffer frees a slot when a strip starts computing). The target
// places each request exactly as it would place a transaction of its own,
// in the same order, so the timing is the same; what goes is the socket,
// interconnect and payload work per request: a decode step of Mamba-2.8B
// on a 32-column array reads 38,000 weight strips (docs/performance.md).
#pragma once

#include <systemc>
#include <tlm>

namespace ssmsim {

class MemStream : public tlm::tlm_extension<MemStream> {
 public:
  class Source {
   public:
    // The completion of the request before (`done`, as a delay from the
    // target's now; null before the first), then the next request: fills
    // trans's address, length and command, and its time as a delay from the
    // target's now; false when none is left. One call per request, not two:
    // a decode step of Mamba-2.8B streams 38,000 of them.
    virtual bool next(const sc_core::sc_time* done, tlm::tlm_generic_payload& trans,
                      sc_core::sc_time& at) = 0;

   protected:
    ~Source() = default;
  };

  Source* source = nullptr;  // null: the transaction is a single request

  tlm::tlm_extension_base* clone() const override { return new MemStream(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    source = static_cast<const MemStream&>(other).source;
  }
};

// The stream of trans, if it carries one.
inline MemStream::Source* stream_source(const tlm::tlm_generic_payload& trans) {
  MemStream* s = nullptr;
  trans.get_extension(s);
  return s != nullptr ? s->source : nullptr;
}

// A target's b_transport for a stream: serve(trans, delay) handles one
// request as the target's own b_transport does, the delay in and out.
template <typename Serve>
void serve_stream(MemStream::Source& source, tlm::tlm_generic_payload& trans, Serve serve) {
  sc_core::sc_time at;
  const sc_core::sc_time* done = nullptr;
  while (source.next(done, trans, at)) {
    serve(trans, at);
    done = &at;  // serve turned the request's delay into its completion's
  }
}

}  // namespace ssmsim
