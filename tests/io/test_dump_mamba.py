"""The dumper's pure-Python parts, without PyTorch: argument checks, text
loading, byte tokens, and the streaming safetensors writer, whose output the
C++ reader must accept (ssmsim inspect)."""
import array
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import dump_mamba as dm  # noqa: E402

CFG2 = {"d_model": 4, "n_layer": 2, "d_inner": 8, "d_state": 2, "d_conv": 4, "n_heads": 2,
        "head_dim": 4, "n_groups": 2, "chunk_size": 2, "vocab_size": 256, "eps": 1e-5,
        "residual_in_fp32": True}
CFG = {"d_model": 4, "n_layer": 2, "d_inner": 8, "d_state": 2, "d_conv": 4, "dt_rank": 1,
       "vocab_size": 256, "eps": 1e-5, "residual_in_fp32": True}


class Args(unittest.TestCase):
    def base(self, *extra):
        return ["--model", "m", "--text", "t.jsonl", "--out", "o.safetensors", *extra]

    def test_defaults(self):
        a = dm.parse_args(self.base())
        self.assertEqual(a.max_tokens, 256)
        self.assertEqual(a.tensor_list, dm.ALL_TENSORS + dm.EXTRA_TENSORS)

    def test_rejections_name_the_option(self):
        for extra, msg in ((["--samples", "0"], "--samples = 0"),
                           (["--max-tokens", "-3"], "--max-tokens = -3"),
                           (["--tensors", "ssm.u,bogus"], "unknown ['bogus']"),
                           (["--samples", "4", "--batch", "2"], "need '{batch}'"),
                           (["--tolerance", "0"], "--tolerance = 0")):
            with self.assertRaises(dm.DumpError) as e:
                dm.parse_args(self.base(*extra))
            self.assertIn(msg, str(e.exception))
        with self.assertRaises(dm.DumpError):
            dm.parse_args(["--model", "m", "--text", "t.csv", "--out", "o"])

    def test_tensors_by_architecture(self):
        # Before the model is read either architecture's names pass; then
        # only the model's own.
        self.assertEqual(dm.parse_tensors("ssm.x,norm.out"), ["ssm.x", "norm.out"])
        self.assertEqual(dm.parse_tensors("all", "mamba2"), dm.ALL_TENSORS2 + dm.EXTRA_TENSORS)
        with self.assertRaises(dm.DumpError) as e:
            dm.parse_tensors("ssm.u", "mamba2")
        self.assertIn("unknown ['ssm.u'] for a mamba2 model", str(e.exception))

    def test_tensor_subset_and_out_pattern(self):
        a = dm.parse_args(self.base("--tensors", "ssm.u, tokens"))
        self.assertEqual(a.tensor_list, ["ssm.u", "tokens"])
        self.assertEqual(dm.out_path("t-{batch}.safetensors", 3), "t-3.safetensors")


class Texts(unittest.TestCase):
    def test_jsonl_selection_and_errors(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "t.jsonl")
            with open(p, "w") as f:
                for i in range(5):
                    f.write(json.dumps({"text": f"text number {i} " * 30}) + "\n")
            self.assertEqual(dm.load_texts(p, 3, 2)[0][:13], "text number 3")
            with self.assertRaises(dm.DumpError) as e:
                dm.load_texts(p, 4, 2)
            self.assertIn("5 text(s)", str(e.exception))
            with open(p, "a") as f:
                f.write("{not json\n")
            with self.assertRaises(dm.DumpError) as e:
                dm.load_texts(p, 0, 1)
            self.assertIn(":6: not JSON", str(e.exception))

    def test_byte_tokens(self):
        self.assertEqual(dm.byte_tokens("aé€", 4), [97, 0xC3, 0xA9, 0xE2])
        with self.assertRaises(dm.DumpError):
            dm.byte_tokens("ab", 3)


class Writer(unittest.TestCase):
    def write_tiny(self, path, mamba2=False):
        if mamba2:
            layout = dm.trace_layout2(CFG2, 1, 3, "F32", dm.ALL_TENSORS2 + dm.EXTRA_TENSORS)
            meta = dm.trace_metadata2(CFG2, "tiny2", 1, 3, "F32", "bytes", "unit test")
        else:
            layout = dm.trace_layout(CFG, 1, 3, "F32", dm.ALL_TENSORS + dm.EXTRA_TENSORS)
            meta = dm.trace_metadata(CFG, "tiny", 1, 3, "F32", "bytes", "unit test")
        w = dm.TraceWriter(path, meta, layout)
        for name, dtype, shape in layout:
            n = 1
            for s in shape:
                n *= s
            data = array.array("i" if dtype == "I32" else "f", [1] * n).tobytes()
            w.write(name, data)
        w.commit()
        return layout

    def test_header_and_offsets(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "t.safetensors")
            layout = self.write_tiny(p)
            raw = open(p, "rb").read()
            n = struct.unpack("<Q", raw[:8])[0]
            self.assertEqual(n % 8, 0)
            h = json.loads(raw[8:8 + n])
            self.assertEqual(h["__metadata__"]["format"], "ssm-trace")
            self.assertEqual(h["__metadata__"]["d_inner"], "8")
            end = max(v["data_offsets"][1] for k, v in h.items() if k != "__metadata__")
            self.assertEqual(len(raw), 8 + n + end)
            self.assertEqual(h["act.layers.1.ssm.B"]["shape"], [1, 3, 2])
            self.assertEqual(len(layout), 2 + 2 * len(dm.ALL_TENSORS))
            self.assertFalse(os.path.exists(p + ".tmp"))

    def test_cpp_reader_accepts_it(self):
        binary = os.environ.get("SSMSIM_BINARY")
        if not binary:
            self.skipTest("SSMSIM_BINARY not set (run through ctest)")
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "t.safetensors")
            self.write_tiny(p)
            r = subprocess.run([binary, "inspect", "--trace", p], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("act.layers.1.ssm.u", r.stdout)
            # A Mamba-2 layout: xBC is d_inner + 2 G N wide, dt one per head.
            self.write_tiny(p + "2", mamba2=True)
            r = subprocess.run([binary, "inspect", "--trace", p + "2"], capture_output=True,
                               text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("act.layers.1.xBC", r.stdout)
            self.assertIn("heads", r.stdout)

    def test_order_size_overwrite_and_abort(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "t.safetensors")
            layout = [("a", "F32", (2,)), ("b", "F32", (1,))]
            w = dm.TraceWriter(p, {"format": "ssm-trace"}, layout)
            with self.assertRaises(dm.DumpError):
                w.write("b", b"\0" * 4)  # out of order
            with self.assertRaises(dm.DumpError):
                w.write("a", b"\0" * 4)  # wrong size
            w.abort()
            self.assertFalse(os.path.exists(p) or os.path.exists(p + ".tmp"))
            open(p, "w").close()
            with self.assertRaises(dm.DumpError) as e:
                dm.TraceWriter(p, {}, layout)
            self.assertIn("pass --force", str(e.exception))


class NoTorch(unittest.TestCase):
    def test_dump_without_torch_is_a_clear_error(self):
        try:
            import torch  # noqa: F401
            self.skipTest("PyTorch is installed here")
        except ImportError:
            pass
        rc = dm.main(["--model", "m", "--text", "t.jsonl", "--out", "o.safetensors"])
        self.assertEqual(rc, 1)


if __name__ == "__main__":
    unittest.main()
