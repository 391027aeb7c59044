// A stream transaction (hw/mem_stream.hpp) against the same requests sent
// one transaction each, in one elaboration: two DRAMs and two SRAMs of the
// same configuration, one of each fed by a stream, the other per request.
// The chain is the array's flow control: request i (i >= 2) leaves when
// request i - 2 has arrived, so every request time depends on the memory's
// answers; sizes and directions vary and one request is empty. Every
// arrival and every statistic must be the same. A stream that runs out of
// the SRAM stops with an address error, as the single transaction would.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <vector>

#include "hw/address_map.hpp"
#include "hw/dram.hpp"
#include "hw/mem_stream.hpp"
#include "hw/sram.hpp"

using namespace ssmsim;
using sc_core::sc_time;

namespace {

constexpr int kRequests = 300;

// Request i of the chain, given the arrivals so far (delays from now).
struct Chain {
  uint64_t base;
  std::vector<sc_time> arrived;
  uint64_t bytes(int i) const { return i == 7 ? 0 : 64 * (1 + i % 5) + (i % 3) * 8; }
  bool read(int i) const { return i % 7 != 3; }
  uint64_t addr(int i) const { return base + 4096 * static_cast<uint64_t>(i); }
  sc_time at(int i) const {
    return i < 2 ? sc_core::SC_ZERO_TIME : arrived[static_cast<size_t>(i - 2)];
  }
  void fill(tlm::tlm_generic_payload& t, int i) const {
    t.set_command(read(i) ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
    t.set_address(addr(i));
    t.set_data_length(static_cast<unsigned>(bytes(i)));
    t.set_streaming_width(static_cast<unsigned>(bytes(i)));
  }
};

struct StreamSource final : MemStream::Source {
  Chain& chain;
  int n, i = 0;
  StreamSource(Chain& c, int n) : chain(c), n(n) {}
  bool next(const sc_time* done, tlm::tlm_generic_payload& t, sc_time& at) override {
    if (done != nullptr) {
      chain.arrived.push_back(*done);
      ++i;
    }
    if (i == n) return false;
    chain.fill(t, i);
    at = chain.at(i);
    return true;
  }
};

struct Top : sc_core::sc_module {
  Dram dram_stream, dram_each;
  Sram sram_stream, sram_each, sram_short;
  tlm_utils::simple_initiator_socket<Top> to_dram_stream, to_dram_each, to_sram_stream,
      to_sram_each, to_sram_short;
  Chain dram_s{0, {}}, dram_e{0, {}}, sram_s{kSramBase, {}}, sram_e{kSramBase, {}},
      short_s{kSramBase, {}};
  tlm::tlm_response_status short_status = tlm::TLM_INCOMPLETE_RESPONSE;

  static DramConfig dram_cfg() {
    DramConfig c;
    c.bandwidth_gbps = 17.0;
    c.latency_ns = 65.3;
    c.burst_bytes = 64;
    c.read_efficiency = 0.888;
    c.write_efficiency = 0.878;
    return c;
  }
  static SramConfig sram_cfg(int64_t bytes) {
    SramConfig c;
    c.bytes = bytes;
    c.ports = 2;
    c.port_bytes = 64;
    c.latency_cycles = 2;
    return c;
  }

  SC_HAS_PROCESS(Top);
  explicit Top(sc_core::sc_module_name n)
      : sc_module(n),
        dram_stream("dram_stream", dram_cfg(), nullptr),
        dram_each("dram_each", dram_cfg(), nullptr),
        sram_stream("sram_stream", sram_cfg(4 << 20), 1.0, nullptr),
        sram_each("sram_each", sram_cfg(4 << 20), 1.0, nullptr),
        sram_short("sram_short", sram_cfg(64 << 10), 1.0, nullptr) {
    to_dram_stream.bind(dram_stream.noc2dram);
    to_dram_each.bind(dram_each.noc2dram);
    to_sram_stream.bind(sram_stream.noc2sram);
    to_sram_each.bind(sram_each.noc2sram);
    to_sram_short.bind(sram_short.noc2sram);
    SC_THREAD(run);
  }

  tlm::tlm_response_status stream(tlm_utils::simple_initiator_socket<Top>& s, Chain& c) {
    StreamSource src(c, kRequests);
    MemStream* ext = new MemStream;
    ext->source = &src;
    tlm::tlm_generic_payload t;
    uint8_t byte = 0;
    t.set_data_ptr(&byte);
    t.set_extension(ext);  // owned by the payload
    c.fill(t, 0);          // routed by the first request's address
    sc_time delay;
    s->b_transport(t, delay);
    return t.get_response_status();
  }
  void each(tlm_utils::simple_initiator_socket<Top>& s, Chain& c) {
    for (int i = 0; i < kRequests; ++i) {
      tlm::tlm_generic_payload t;
      uint8_t byte = 0;
      t.set_data_ptr(&byte);
      c.fill(t, i);
      sc_time delay = c.at(i);
      s->b_transport(t, delay);
      c.arrived.push_back(delay);
    }
  }
  void run() {
    wait(10, sc_core::SC_NS);  // not at time 0: delays are relative to now
    stream(to_dram_stream, dram_s);
    each(to_dram_each, dram_e);
    stream(to_sram_stream, sram_s);
    each(to_sram_each, sram_e);
    short_status = stream(to_sram_short, short_s);
  }
};

Top* top = nullptr;

struct Sim {
  Sim() {
    top = new Top("top");
    sc_core::sc_start();
  }
};
Sim& sim() {
  static Sim s;
  return s;
}

}  // namespace

TEST(MemStream, DramServesAStreamAsItsRequestsOneByOne) {
  sim();
  ASSERT_EQ(top->dram_s.arrived.size(), static_cast<size_t>(kRequests));
  EXPECT_EQ(top->dram_s.arrived, top->dram_e.arrived);
  // The chain queues: later requests wait for the channel, not just latency.
  EXPECT_GT(top->dram_s.arrived.back(), sc_time(65.3 * kRequests / 4, sc_core::SC_NS));
  const DramStats &a = top->dram_stream.stats(), &b = top->dram_each.stats();
  EXPECT_EQ(a.read_bytes, b.read_bytes);
  EXPECT_EQ(a.write_bytes, b.write_bytes);
  EXPECT_EQ(a.accesses, b.accesses);
  EXPECT_EQ(a.bursts, b.bursts);
  EXPECT_EQ(a.busy_time, b.busy_time);
  EXPECT_EQ(a.active.total(), b.active.total());
  EXPECT_GT(a.write_bytes, 0u);
}

TEST(MemStream, SramServesAStreamAsItsRequestsOneByOne) {
  sim();
  EXPECT_EQ(top->sram_s.arrived, top->sram_e.arrived);
  const SramStats &a = top->sram_stream.stats(), &b = top->sram_each.stats();
  EXPECT_EQ(a.read_bytes, b.read_bytes);
  EXPECT_EQ(a.write_bytes, b.write_bytes);
  EXPECT_EQ(a.accesses, b.accesses);
}

TEST(MemStream, AStreamPastTheSramIsAnAddressError) {
  sim();
  // 64 KiB hold requests 0..15 (4 KiB apart): the 17th is out of range.
  EXPECT_EQ(top->short_status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(top->sram_short.stats().accesses, 16u);  // requests 0..15, the empty one too
}
