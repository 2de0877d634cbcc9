"""Hostile weight and model files (issue 12): every entry point that reads them answers
with one line naming the file and what is wrong, and allocates no more than the file
holds (plus a small constant), checked before allocating.

The corpus of small hostile files is defined here (:func:`corpus`: each file's bytes,
built from the opcodes or archive entries that make it hostile) and written into a
temporary folder for each test session, so no pickle is kept in the repository;
``python tests/test_hostile_files.py DIR`` writes it to DIR to try by hand. The big
ones (bombs, 200,000-deep nesting) are made by their tests.
"""

import io
import json
import os
import pickle
import re
import sys
import threading
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from dlscratch import safe_pickle
from dlscratch.cli import main
from dlscratch.errors import DlscratchError, ModelFileError, UnsafePickleError
from dlscratch.io import (
    load_book_params,
    load_model,
    load_network,
    read_model_file,
    save_model,
    write_model_file,
)
from dlscratch.networks import (
    NETWORKS,
    DeepConvNet,
    MultiLayerNet,
    SimpleConvNet,
    SimpleNet,
    ThreeLayerNet,
    TwoLayerNet,
)
from dlscratch.networks.registry import expected_arrays

MB = 2**20

_reconstruct = np.ndarray.__reduce__(np.zeros(1))[0]  # numpy(._core).multiarray._reconstruct
_frombuffer = np.zeros(2).__reduce_ex__(5)[0]  # numpy(._core).numeric._frombuffer


def _reducing(func, args, state=None, protocol=2):
    """A pickle of {'W1': func(*args)} (then BUILD with ``state``), as a hostile file
    would spell it."""

    class R:
        def __reduce__(self):
            return (func, args) if state is None else (func, args, state)

    return pickle.dumps({"W1": R()}, protocol=protocol)


def _dtype_flags(dtype, flags):
    """A pickle of an array of ``dtype`` whose dtype's BUILD state sets ``flags``."""
    raw = pickle.dumps({"W1": np.zeros(3, dtype=dtype)}, protocol=2)
    itemsize = np.dtype(dtype).itemsize
    old = b"NNNK" + bytes([itemsize]) + b"K\x01K\x00t"
    assert raw.count(old) == 1
    return raw.replace(old, b"NNNK" + bytes([itemsize]) + b"K\x01K" + bytes([flags]) + b"t")


def deep_tuple_key(depth):
    # The file: a dict whose key is a tuple nested `depth` deep.
    return b"\x80\x02}" + b"(" * depth + b"t" * depth + b"K\x01s."


# name -> (pickle bytes, exception, what the message must say); written as files by the
# `hostile` fixture.
HOSTILE_PICKLES = {
    "deep-tuple-key-1000.pkl": (deep_tuple_key(1000), UnsafePickleError, "nest more than 64"),
    "tuple1-chain-5000.pkl": (
        b"\x80\x02}K\x01K\x01" + b"\x85" * 5000 + b"s.",
        UnsafePickleError,
        "nest more than 64",
    ),
    "nested-lists-1000.pkl": (
        b"\x80\x02}K\x01" + b"]" * 1000 + b"a" * 999 + b"s.",
        UnsafePickleError,
        "nest more than 64",
    ),
    "self-reference.pkl": (
        b"\x80\x02}K\x01]q\x00h\x00as.",
        UnsafePickleError,
        "an object that contains itself",
    ),
    "changed-after-use.pkl": (
        b"\x80\x02]q\x00h\x00\x85a.",  # L = []; L.append((L,))
        UnsafePickleError,
        "APPEND changes an object already put into another",
    ),
    "memo-bomb.pkl": (b"\x80\x02}r\x00\x00\x00\x04.", UnsafePickleError, "memo slot 67108864"),
    "strided-ndarray.pkl": (
        _reducing(np.ndarray, ((400_000_000,), "f8", b"\0" * 8, 0, (0,))),
        UnsafePickleError,
        r"calls numpy\.ndarray\(\.\.\.\) itself",
    ),
    "reconstruct-big.pkl": (
        _reducing(_reconstruct, (np.ndarray, (10**9,), b"b")),
        UnsafePickleError,
        "only make an empty ndarray",
    ),
    "state-bigger-than-data.pkl": (
        _reducing(
            _reconstruct, (np.ndarray, (0,), b"b"), (1, (10**8,), np.dtype("f8"), False, b"\0" * 16)
        ),
        UnsafePickleError,
        "needs 800000000 bytes, the file holds 16",
    ),
    "frombuffer-bigger-than-data.pkl": (
        _reducing(_frombuffer, (b"\0" * 16, np.dtype("f8"), (10**8,), "C"), protocol=5),
        UnsafePickleError,
        "needs 800000000 bytes, the file holds 16",
    ),
    "dtype-flags-63.pkl": (_dtype_flags("V8", 63), UnsafePickleError, "flags 63"),
    "dtype-flags-1.pkl": (_dtype_flags("S8", 1), UnsafePickleError, "flags 1"),
    "persistent-id.pkl": (b"\x80\x02Pfoo\n.", UnsafePickleError, "PERSID"),
    "extension-code.pkl": (b"\x80\x02\x82\x01.", UnsafePickleError, "EXT1"),
    "bytes8-past-the-end.pkl": (
        b"\x80\x04\x8e\xff\xff\xff\xff\xff\x00\x00\x00.",
        ModelFileError,
        "damaged pickle: expected 1099511627775 bytes",
    ),
    "frame-past-the-end.pkl": (
        b"\x80\x04\x95\xff\xff\xff\xff\xff\x00\x00\x00}.",
        ModelFileError,
        "a frame of 1099511627775 bytes",
    ),
    "nan-weights.pkl": (
        pickle.dumps({"W1": np.array([[1.0, np.nan]]), "b1": np.zeros(2)}),
        ModelFileError,
        r"parameter 'W1' holds NaN \(first at index \(0, 1\)",
    ),
    "inf-weights.pkl": (
        pickle.dumps({"W1": np.array([1.0, -np.inf], dtype=np.float32)}),
        ModelFileError,
        "parameter 'W1' holds infinite values",
    ),
    "bool-weights.pkl": (
        pickle.dumps({"W1": np.ones((2, 2), dtype=bool)}),
        ModelFileError,
        "parameter 'W1' has dtype bool",
    ),
    "datetime-weights.pkl": (
        pickle.dumps({"W1": np.array(["2020-01-01"], dtype="M8[D]")}),
        ModelFileError,
        r"parameter 'W1' has dtype datetime64\[D\]",
    ),
    "structured-weights.pkl": (
        pickle.dumps({"W1": np.zeros(2, dtype=[("a", "f8"), ("b", "i4")])}),
        ModelFileError,
        r"parameter 'W1' has dtype \[\('a', '<f8'\), \('b', '<i4'\)\]",
    ),
    "complex-weights.pkl": (
        pickle.dumps({"W1": np.ones(2, dtype=complex)}),
        ModelFileError,
        "parameter 'W1' has dtype complex128",
    ),
    "object-weights.pkl": (
        pickle.dumps({"W1": np.array([1, "a"], dtype=object)}),
        UnsafePickleError,
        "Python objects",
    ),
    "tuple-key.pkl": (
        pickle.dumps({(1, 2): np.zeros(2)}),
        ModelFileError,
        "names should be strings, got a tuple",
    ),
}


# -- model files (.npz) ---------------------------------------------------------------
def _npy(array) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asanyarray(array), allow_pickle=True)
    return buf.getvalue()


def _meta_text(architecture, config, **extra) -> str:
    meta = {"format": "dlscratch-model", "format_version": 1, "architecture": architecture}
    return json.dumps({**meta, "config": config, **extra})


def _zip(entries, compression=zipfile.ZIP_STORED) -> bytes:
    """A zip archive of ``{name: bytes}`` with fixed timestamps (so that the corpus's
    files come out byte for byte the same)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = compression
            z.writestr(info, data)
    return buf.getvalue()


TWO_LAYER = {"input_size": 4, "hidden_size": 3, "output_size": 2}


def _two_layer_entries(meta_text=None, **params):
    rng = np.random.default_rng(0)
    arrays = {
        "W1": rng.standard_normal((4, 3)),
        "b1": np.zeros(3),
        "W2": rng.standard_normal((3, 2)),
        "b2": np.zeros(2),
        **params,
    }
    entries = {"__meta__.npy": _npy(np.array(meta_text or _meta_text("TwoLayerNet", TWO_LAYER)))}
    entries.update({f"params/{k}.npy": _npy(v) for k, v in arrays.items()})
    return entries


def _model(**kw) -> bytes:
    return _zip(_two_layer_entries(**kw))


def _with_meta(text) -> bytes:
    return _model(meta_text=text)


def _header_lies() -> bytes:
    # params/W1 says (4, 3) float64 (96 bytes), its entry holds 8 bytes of data.
    entries = _two_layer_entries()
    entries["params/W1.npy"] = _npy(np.zeros((4, 3)))[:-88]
    return _zip(entries)


def _npy_header(shape, descr="<f8") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return buf.getvalue()


def _huge_header() -> bytes:
    # The metadata asks for 10**6 hidden units and W1's header agrees; the entry holds
    # 16 bytes. NumPy would allocate the header's 32 MB before reading.
    config = {**TWO_LAYER, "hidden_size": 10**6}
    entries = _two_layer_entries(meta_text=_meta_text("TwoLayerNet", config))
    entries["params/W1.npy"] = _npy_header((4, 10**6)) + b"\0" * 16
    return _zip(entries)


def _negative_variance() -> bytes:
    net = MultiLayerNet(4, [3], 2, use_batchnorm=True, seed=0)
    buffers = net.buffers()
    buffers["BatchNorm1.running_var"] = np.array([1.0, -0.5, 2.0])
    buf = io.BytesIO()
    np.savez(
        buf,
        __meta__=np.array(_meta_text("MultiLayerNet", net.get_config())),
        **{f"params/{k}": v for k, v in net.params.items()},
        **{f"buffers/{k}": v for k, v in buffers.items()},
    )
    return buf.getvalue()


def _directory_claim() -> bytes:
    # The end record says the list of entries is 4 GB long (zipfile reads it whole).
    data = bytearray(_model())
    at = data.rfind(b"PK\x05\x06")
    data[at + 12 : at + 16] = (2**32 - 1).to_bytes(4, "little")
    return bytes(data)


def _duplicate_entry() -> bytes:
    buf = io.BytesIO()
    entries = _two_layer_entries()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as z:
        warnings.simplefilter("ignore")  # zipfile warns: "Duplicate name"
        for name, data in [*entries.items(), ("params/W1.npy", entries["params/W1.npy"])]:
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


HOSTILE_MODELS = {
    "text-as-model.npz": (
        b"hidden_size: 50\nthis is not a model\n",
        "a model file \\(.npz\\) is a zip archive, but it starts with the text 'hidden_s",
    ),
    "npy-as-model.npz": (_npy(np.zeros(3)), "is a zip archive, but it starts with the bytes"),
    "pickle-as-model.npz": (pickle.dumps({"W1": np.zeros(2)}), "is a zip archive, but it"),
    "empty.npz": (b"", "is a zip archive, but the file is empty"),
    "deep-json-metadata.npz": (
        _with_meta(
            _meta_text("TwoLayerNet", TWO_LAYER)[:-1] + ', "x": ' + "[" * 2000 + "]" * 2000 + "}"
        ),
        "metadata nests too deeply",
    ),
    "nested-json-metadata.npz": (
        _with_meta(
            _meta_text("TwoLayerNet", TWO_LAYER)[:-1] + ', "x": ' + "[" * 100 + "]" * 100 + "}"
        ),
        "metadata nests more than 32 levels deep",
    ),
    "hidden-size-infinity.npz": (
        _with_meta(_meta_text("TwoLayerNet", {**TWO_LAYER, "hidden_size": float("inf")})),
        "metadata is not valid JSON: Infinity is not a number JSON allows",
    ),
    "hidden-size-1e400.npz": (
        _with_meta(
            _meta_text("TwoLayerNet", TWO_LAYER).replace('"hidden_size": 3', '"hidden_size": 1e400')
        ),
        "config hidden_size: expected a whole number from 1 to 2147483648, got inf",
    ),
    "hidden-size-400000.npz": (
        _with_meta(_meta_text("TwoLayerNet", {**TWO_LAYER, "hidden_size": 400000})),
        r"parameter 'W1' should have shape \(4, 400000\), got \(4, 3\)",
    ),
    "three-layer-two-sizes.npz": (
        _with_meta(_meta_text("ThreeLayerNet", {"sizes": [784, 10]})),
        "config sizes: expected a list of 4 sizes, got \\[784, 10\\]",
    ),
    "config-not-an-object.npz": (
        _with_meta(_meta_text("TwoLayerNet", [4, 3, 2])),
        "config should be a JSON object",
    ),
    "config-unknown-key.npz": (
        _with_meta(_meta_text("TwoLayerNet", {**TWO_LAYER, "evil": 1})),
        "config does not fit TwoLayerNet: got an unexpected keyword argument 'evil'",
    ),
    "architecture-not-a-name.npz": (
        _with_meta(_meta_text(["TwoLayerNet"], TWO_LAYER)),
        "metadata names no architecture",
    ),
    "unknown-architecture.npz": (
        _with_meta(_meta_text("NoSuchNet", {})),
        "unknown architecture 'NoSuchNet'",
    ),
    "nan-weights.npz": (
        _model(W2=np.array([[0.0, np.nan]] * 3)),
        r"parameter 'W2' holds NaN \(first at index \(0, 1\), 3 of 6 values\)",
    ),
    "inf-weights.npz": (_model(b1=np.array([0.0, np.inf, 0.0])), "parameter 'b1' holds infinite"),
    "bool-weights.npz": (_model(b1=np.ones(3, dtype=bool)), "parameter 'b1' has dtype bool"),
    "int-weights.npz": (_model(b1=np.ones(3, dtype=np.int64)), "parameter 'b1' has dtype int64"),
    "complex-weights.npz": (_model(b1=np.ones(3, dtype=complex)), "has dtype complex128"),
    "datetime-weights.npz": (
        _model(b1=np.zeros(3, dtype="M8[s]")),
        r"parameter 'b1' has dtype datetime64\[s\]",
    ),
    "structured-weights.npz": (
        _model(b1=np.zeros(3, dtype=[("a", "f8")])),
        r"parameter 'b1' has dtype \[\('a', '<f8'\)\]",
    ),
    "object-weights.npz": (
        _model(b1=np.array([1, "a", None], dtype=object)),
        "parameter 'b1' has dtype object",
    ),
    "float16-weights.npz": (_model(b1=np.zeros(3, dtype=np.float16)), "has dtype float16"),
    "negative-running-variance.npz": (
        _negative_variance(),
        r"buffer 'BatchNorm1.running_var' holds negative variances \(min -0.5\)",
    ),
    "missing-parameter.npz": (
        _zip({k: v for k, v in _two_layer_entries().items() if k != "params/b2.npy"}),
        r"the arrays do not fit TwoLayerNet .*: missing parameters \['b2'\]",
    ),
    "unexpected-entry.npz": (
        _zip({**_two_layer_entries(), "junk.txt": b"hello"}),
        "an entry named 'junk.txt'",
    ),
    "duplicate-entry.npz": (_duplicate_entry(), "a second entry named 'params/W1.npy'"),
    "header-lies.npz": (_header_lies(), r"declares 96 bytes of data .* but its entry holds 8"),
    "huge-header.npz": (
        _huge_header(),
        r"parameter 'W1' declares 32000000 bytes of data .* but its entry holds 16",
    ),
    "directory-claim.npz": (_directory_claim(), "its list of entries claims 4294967295 bytes"),
    "bzip2-entry.npz": (
        _zip(_two_layer_entries(), compression=zipfile.ZIP_BZIP2),
        "uses compression method 12",
    ),
}


def corpus():
    """``{file name: bytes}`` of every small hostile file (see the module docstring)."""
    files = {name: data for name, (data, _, _) in HOSTILE_PICKLES.items()}
    files.update({name: data for name, (data, _) in HOSTILE_MODELS.items()})
    return files


def _expect(name):
    if name in HOSTILE_PICKLES:
        return HOSTILE_PICKLES[name][1:]
    return ModelFileError, HOSTILE_MODELS[name][1]


def _one_line_naming(error, path, pattern):
    message = str(error)
    assert "\n" not in message
    assert str(path) in message
    assert "allow_pickle" not in message  # never suggest loading unsafely
    assert re.search(pattern, message), message


# -- the corpus, through every entry point ---------------------------------------------
@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    """The folder holding :func:`corpus`'s files, written once per test session."""
    folder = tmp_path_factory.mktemp("hostile")
    for name, data in corpus().items():
        (folder / name).write_bytes(data)
    return folder


def test_the_corpus_covers_both_formats():
    files = corpus()
    assert sum(n.endswith(".pkl") for n in files) >= 20
    assert sum(n.endswith(".npz") for n in files) >= 30


@pytest.mark.parametrize("name", sorted(HOSTILE_PICKLES))
def test_hostile_pickles_are_refused_with_one_line(name, hostile):
    path = hostile / name
    error, pattern = _expect(name)
    with pytest.raises(error) as e:
        load_book_params(path)
    _one_line_naming(e.value, path, pattern)
    # The same file through the other entry points that read pickles.
    for read in (
        lambda: load_network(path),
        lambda: ThreeLayerNet.from_config({"sizes": [2, 2, 2, 2]}).load_params(path),
    ):
        with pytest.raises(DlscratchError) as e:
            read()
        _one_line_naming(e.value, path, pattern)


@pytest.mark.parametrize(
    "name", sorted(n for n, v in HOSTILE_PICKLES.items() if v[1] is UnsafePickleError)
)
def test_safe_pickle_refuses_what_load_book_params_refuses(name, hostile):
    with pytest.raises(UnsafePickleError, match=_expect(name)[1]):
        safe_pickle.loads((hostile / name).read_bytes())
    with (
        open(hostile / name, "rb") as f,
        pytest.raises(UnsafePickleError, match=re.escape(str(hostile / name))),
    ):
        safe_pickle.load(f)


NOT_ZIP = ("text-as-model.npz", "npy-as-model.npz", "pickle-as-model.npz", "empty.npz")


@pytest.mark.parametrize("name", sorted(HOSTILE_MODELS))
def test_hostile_model_files_are_refused_with_one_line(name, hostile):
    path = hostile / name
    error, pattern = _expect(name)
    for read in (read_model_file, load_model, load_network):
        with pytest.raises(error) as e:
            read(path)
        _one_line_naming(e.value, path, pattern)
    # The book's network.load_params(file) tells the two formats apart by content:
    # a file that is not a zip archive is read as one of the book's pickles.
    with pytest.raises(DlscratchError) as e:
        TwoLayerNet(4, 3, 2).load_params(path)
    if name in NOT_ZIP:  # e.g. "TwoLayerNet: parameters do not match: missing ['W2', ...]"
        assert "\n" not in str(e.value) and "allow_pickle" not in str(e.value)
    else:
        _one_line_naming(e.value, path, pattern)


@pytest.mark.parametrize(
    "name", ["deep-tuple-key-1000.pkl", "memo-bomb.pkl", "text-as-model.npz", "nan-weights.npz"]
)
def test_the_cli_prints_one_error_line(name, hostile, tmp_path, capsys):
    path = hostile / name
    assert main(["infer", "--weights", str(path), "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert name in err and "Traceback" not in err and "allow_pickle" not in err


# -- made at run time: too big to keep ---------------------------------------------------
def _peak(func):
    """(the exception ``func`` raises, the peak of traced memory meanwhile in bytes)."""
    tracemalloc.start()
    try:
        func()
    except Exception as e:  # returned for the caller to check
        return e, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    pytest.fail("no error raised")


def test_a_200000_deep_tuple_key_is_refused_not_a_crash(tmp_path):
    # Before: exit 139 (segfault hashing the key). The scan refuses before building.
    path = tmp_path / "deep.pkl"
    path.write_bytes(deep_tuple_key(200_000))
    error, peak = _peak(lambda: load_book_params(path))
    assert isinstance(error, UnsafePickleError)
    _one_line_naming(error, path, "objects nest more than 64 levels deep")
    assert peak < 8 * MB


def test_too_many_operations_or_containers_are_refused(tmp_path):
    path = tmp_path / "many.pkl"
    path.write_bytes(b"\x80\x02" + b"N0" * 500_001 + b"N.")
    with pytest.raises(UnsafePickleError, match="more than 1000000 operations"):
        load_book_params(path)
    path.write_bytes(b"\x80\x02" + b"]0" * 200_001 + b"N.")
    with pytest.raises(UnsafePickleError, match="more than 200000 containers"):
        load_book_params(path)


def test_the_strided_ndarray_pickle_allocates_nothing(tmp_path):
    # Before: a 77-byte-class pickle made np.ascontiguousarray allocate 3.2 GB.
    path = tmp_path / "strided.pkl"
    path.write_bytes(HOSTILE_PICKLES["strided-ndarray.pkl"][0])
    error, peak = _peak(lambda: load_book_params(path))
    assert isinstance(error, UnsafePickleError) and peak < MB


def test_the_memo_bomb_allocates_nothing(tmp_path):
    # Before: a 9-byte file made the unpickler's memo take 1 GB.
    path = tmp_path / "memo.pkl"
    path.write_bytes(b"\x80\x02}r\x00\x00\x00\x04.")
    error, peak = _peak(lambda: load_book_params(path))
    assert isinstance(error, UnsafePickleError) and peak < MB


def test_a_small_file_cannot_make_a_huge_network(tmp_path):
    # The 33 KB file: a real TwoLayerNet whose metadata says hidden_size 400000
    # built a 3.7 GB network before checking shapes. Now the shapes are checked first.
    path = save_model(TwoLayerNet(784, 10, 10, dtype=np.float32), tmp_path / "m.npz")
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    meta = json.loads(str(np.load(io.BytesIO(entries["__meta__.npy"]))))
    meta["config"]["hidden_size"] = 400000
    entries["__meta__.npy"] = _npy(np.array(json.dumps(meta)))
    path.write_bytes(_zip(entries))
    assert 30_000 < path.stat().st_size < 40_000
    error, peak = _peak(lambda: load_model(path))
    assert isinstance(error, ModelFileError)
    _one_line_naming(
        error, path, r"parameter 'W1' should have shape \(784, 400000\), got \(784, 10\)"
    )
    assert peak < 2 * path.stat().st_size + MB


@pytest.mark.parametrize("name", ["junk.npy", "extra/junk.npy", "params/W1.npy"])
def test_a_zip_bomb_entry_is_refused_before_it_is_decompressed(tmp_path, name):
    # 256 MB of zeros in 256 KB. Before: decompressed in full (and allocated).
    entries = _two_layer_entries()
    buf = io.BytesIO(_zip({k: v for k, v in entries.items() if k != name}))
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open(name, "w", force_zip64=True) as f:
            f.write(_npy_header((256 * MB,), "|u1"))
            zeros = bytes(MB)
            for _ in range(256):
                f.write(zeros)
    path = tmp_path / "bomb.npz"
    path.write_bytes(buf.getvalue())
    assert path.stat().st_size < 2 * MB
    error, peak = _peak(lambda: load_model(path))
    assert isinstance(error, ModelFileError)
    pattern = "unexpected entry 'junk.npy'" if name == "junk.npy" else "bytes uncompressed; at most"
    _one_line_naming(error, path, pattern)
    assert peak < 2 * MB


def test_a_fifo_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "weights.pkl"
    os.mkfifo(fifo)
    errors = []

    def read():
        for reader in (load_book_params, read_model_file, load_network):
            try:
                reader(fifo)
            except ModelFileError as e:
                errors.append(str(e))

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "blocked on the FIFO"
    assert len(errors) == 3 and all("not a regular file" in e for e in errors), errors


# -- what must keep working ----------------------------------------------------------------
@pytest.mark.parametrize(
    "file",
    [
        "sample_weight.pkl",
        "simple_convnet_params.pkl",
        "deep_convnet_params.pkl",
        "first-edition-2016/simple_convnet_params.pkl",
        "first-edition-2016/deep_convnet_params.pkl",
    ],
)
def test_the_books_weight_files_still_load(book_weights, file):
    from dlscratch.networks import ARCHITECTURES, guess_architecture

    params = load_book_params(book_weights / file)
    net = ARCHITECTURES[guess_architecture(params)].cls.from_book_params(params)
    assert set(net.params) == set(params)
    with open(book_weights / file, "rb") as f:
        trusted = pickle.load(f)  # the book's own files: compare with the real thing
    for key, value in trusted.items():
        np.testing.assert_array_equal(params[key], value)
        assert params[key].dtype == value.dtype and type(params[key]) is np.ndarray


def test_safe_pickle_still_reads_plain_data():
    data = {"a": np.arange(3.0), "b": [1, (2, "x", np.ones(2))], "c": np.float64(2.5)}
    for protocol in range(2, 6):
        again = safe_pickle.loads(pickle.dumps(data, protocol=protocol))
        assert type(again["a"]) is np.ndarray and type(again["b"][1][2]) is np.ndarray
        np.testing.assert_array_equal(again["b"][1][2], [1.0, 1.0])
        assert again["b"][:1] == [1] and again["c"] == 2.5


@pytest.mark.parametrize(
    "net",
    [
        SimpleNet(),
        ThreeLayerNet.from_config({"sizes": [5, 4, 3, 2]}),
        TwoLayerNet(784, 50, 10),
        MultiLayerNet(10, [5, 4], 3),
        MultiLayerNet(10, [5, 4], 3, use_batchnorm=True, use_dropout=True),
        SimpleConvNet(),
        SimpleConvNet(
            input_dim=(3, 12, 10),
            conv_param={"filter_num": 4, "filter_size": 3, "pad": 1, "stride": 1},
            hidden_size=7,
            output_size=5,
        ),
        DeepConvNet(),
    ],
    ids=lambda n: n.architecture,
)
def test_expected_arrays_match_the_networks(net, tmp_path):
    params, buffers = expected_arrays(net.architecture, net.get_config())
    assert params == {k: v.shape for k, v in net.params.items()}
    assert buffers == {k: v.shape for k, v in net.buffers().items()}
    again = load_model(save_model(net, tmp_path / "m.npz"))  # and such files still load
    for k, v in net.params.items():
        np.testing.assert_array_equal(again.params[k], v)


def test_every_network_has_expected_arrays():
    for name, cls in NETWORKS.items():
        config = {
            ThreeLayerNet: {"sizes": [2, 2, 2, 2]},
            TwoLayerNet: {"input_size": 2, "hidden_size": 2, "output_size": 2},
            MultiLayerNet: {"input_size": 2, "hidden_size_list": [2], "output_size": 2},
        }.get(cls, {})
        assert expected_arrays(name, config)[0], name


def test_checkpoint_extras_still_load(tmp_path):
    order = np.arange(60000)
    path = write_model_file(
        tmp_path / "c.npz",
        "TwoLayerNet",
        TWO_LAYER,
        TwoLayerNet(4, 3, 2).params,
        extra_arrays={"optimizer/m/W1": np.zeros((4, 3)), "trainer/order": order},
    )
    np.testing.assert_array_equal(read_model_file(path).extra_arrays["trainer/order"], order)


if __name__ == "__main__":  # python tests/test_hostile_files.py DIR: the corpus, by hand
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")
    target.mkdir(parents=True, exist_ok=True)
    for name, data in corpus().items():
        (target / name).write_bytes(data)
    print(f"wrote {len(corpus())} files to {target}", file=sys.stderr)
