#!/usr/bin/env python3
"""DRAM energy from a device's datasheet currents (IDD), the way Micron's
power calculators (TN-41-01 for DDR3, TN-40-07 for DDR4, TN-53-01 for
LPDDR4) and DRAMPower compute it: each current above the standby current it
replaces, times its supply, over the time it flows.

    tools/dram_energy.py MEMSPEC.json [--check ARCH.json]

MEMSPEC.json is a DRAMSys memory specification with a "mempowerspec"
(DRAMSys ships Micron's and JEDEC's LPDDR4, DDR4, DDR3 and Wide I/O ones in
configs/memspec). One channel is what the file describes: nbrOfDevices
devices of `width` bits side by side (an LPDDR4 x16 channel is one device,
a DDR4 64-bit rank eight x8 devices). Printed, per channel:

  read_byte_pj   a read stream: (IDD4R - IDD3N) x V per rail over the
                 channel's bandwidth, plus one activation per row read whole
  write_byte_pj  the same with IDD4W
  act_pj         one activation and precharge: IDD0 over tRC less the
                 standby currents it replaces (IDD3N over tRAS, IDD2N over
                 tRC - tRAS)
  background_mw  active standby IDD3N x V, plus refresh: (IDD5 - IDD3N) x V
                 for tRFC of every tREFI

The currents are the datasheet's maxima, so the figures are upper bounds
of a typical part. ssmsim's energy.dram_byte_pj takes read_byte_pj (reads
are nearly all of a weight-streaming run's bytes) and
energy.dram_channel_mw takes background_mw (docs/energy.md). With --check,
the script fails unless ARCH.json (an ssmsim architecture file) carries
these two figures to 4 significant digits.

Needs only the Python standard library.
"""

import argparse
import json
import sys

# Rails by the suffix of their current names: LPDDR4 has VDD1 (no suffix),
# VDD2 ("2") and VDDQ ("q"/"Q"); DDR4 has VDD and VPP ("2": idd02, idd62).
RAILS = (("", "vdd"), ("2", "vdd2"), ("q", "vddq"))


def current(power, base, suffix):
    """mA of IDD `base` on the rail with `suffix`; 0 when the file has none."""
    for key, value in power.items():
        k = key.lower()
        if k == base + suffix or (suffix == "q" and k in (base + "q", base + "ql")):
            return float(value)
    return 0.0


def derive(spec, channel_gbps=None):
    """The figures of one channel; channel_gbps: the channel's peak to stream
    at instead of the spec's own (its timings kept in ns, as DRAMSys keeps
    them when it clocks a device slower)."""
    m = spec["memspec"]
    arch, power, t = m["memarchitecturespec"], m["mempowerspec"], m["memtimingspec"]
    tck_ns = t["tCK"] / 1000.0
    devices = arch.get("nbrOfDevices", 1)
    bits = arch["width"] * devices
    # Bytes per ns = GB/s.
    gbps = channel_gbps if channel_gbps else bits / 8.0 * arch["dataRate"] / tck_ns
    row_bytes = arch["nbrOfColumns"] * bits / 8.0
    # LPDDR4 names all-bank timings RCAB/RFCAB/REFIAB... (RPAB); DDR4 plain.
    def timing(*names):
        for n in names:
            if n in t:
                return t[n] * tck_ns
        raise KeyError(f"{m.get('memoryId')}: memtimingspec has none of {names}")
    trc, tras = timing("RC", "RCAB"), timing("RAS")
    trfc, trefi = timing("RFC", "RFCAB"), timing("REFI", "REFIAB")
    read_mw = write_mw = act_pj = background_mw = 0.0
    for suffix, rail in RAILS:
        v = float(power.get(rail, 0.0))
        if v == 0.0:
            continue
        i3n, i2n = current(power, "idd3n", suffix), current(power, "idd2n", suffix)
        read_mw += (current(power, "idd4r", suffix) - i3n) * v
        write_mw += (current(power, "idd4w", suffix) - i3n) * v
        act_pj += (current(power, "idd0", suffix) * trc - i3n * tras - i2n * (trc - tras)) * v
        background_mw += i3n * v + (current(power, "idd5", suffix) - i3n) * v * trfc / trefi
    act_pj *= devices
    read_mw *= devices
    write_mw *= devices
    background_mw *= devices
    return {
        "memory": m.get("memoryId", "?"),
        "type": m.get("memoryType", "?"),
        "channel_bits": bits,
        "channel_gbps": gbps,
        "row_bytes": row_bytes,
        "act_pj": act_pj,
        "read_byte_pj": read_mw / gbps + act_pj / row_bytes,
        "write_byte_pj": write_mw / gbps + act_pj / row_bytes,
        "background_mw": background_mw,
    }


def sig4(x):
    return float(f"{x:.4g}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("memspec")
    ap.add_argument("--check", metavar="ARCH.json")
    args = ap.parse_args()
    try:
        with open(args.memspec) as f:
            d = derive(json.load(f))
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"dram_energy: {args.memspec}: {e}")
    print(f"{d['memory']} ({d['type']}), one channel of {d['channel_bits']} bits "
          f"at {d['channel_gbps']:.2f} GB/s, {d['row_bytes']:.0f}-byte rows")
    for k, unit in (("read_byte_pj", "pJ/byte"), ("write_byte_pj", "pJ/byte"),
                    ("act_pj", "pJ per activation"), ("background_mw", "mW per channel")):
        print(f"  {k:14s} {sig4(d[k]):>10g} {unit}")
    if args.check:
        with open(args.check) as f:
            e = json.load(f)["energy"]
        want = {"dram_byte_pj": sig4(d["read_byte_pj"]),
                "dram_channel_mw": sig4(d["background_mw"])}
        bad = {k: (e.get(k), v) for k, v in want.items() if e.get(k) != v}
        if bad:
            sys.exit(f"dram_energy: {args.check}: energy keys differ from {args.memspec}'s "
                     f"derivation (have, want): {bad}")
        print(f"ok: {args.check} carries {want}")


if __name__ == "__main__":
    main()
