"""Tests for dlscratch.datasets: the IDX reader and load_mnist (book ch. 3.6.1).

Tests marked ``mnist`` read the real files from ``$DLSCRATCH_DATA_DIR`` (see
``tests/mnist_data.py``); the others build small IDX files in ``tmp_path``. No test
touches the network or the user's real cache directory.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import multiprocessing
import os
import re
import shutil
import struct
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
import pooch
import pytest
import requests

import dlscratch.datasets.mnist as mnist_mod
from dlscratch.datasets import (
    IMAGE_MAGIC,
    LABEL_MAGIC,
    MNIST_FILES,
    MNIST_MIRRORS,
    MNIST_SHAPES,
    cache_root,
    download_mnist,
    load_mnist,
    mnist_info,
    parse_idx_header,
    read_idx,
    read_mnist_file,
    resolve_data_dir,
)
from dlscratch.datasets.mnist import MnistCacheWarning
from dlscratch.errors import DataError, DataNotFoundError
from mnist_data import require_mnist_dir

TEST_LABELS_HEAD = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
TRAIN_LABELS_HEAD = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """Folder with the real MNIST files; skips locally / fails in CI without them."""
    return require_mnist_dir()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Private cache root per test, no inherited data dir, and no network at all."""
    monkeypatch.setenv("DLSCRATCH_CACHE_DIR", str(tmp_path / "user-cache"))
    monkeypatch.delenv("DLSCRATCH_DATA_DIR", raising=False)
    monkeypatch.delenv("DLSCRATCH_NO_CACHE", raising=False)

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError(f"a test tried to download: {args} {kwargs}")

    monkeypatch.setattr(pooch, "retrieve", refuse)


def count_verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wrap mnist's ``_verify`` so each file it checks is recorded; returns the record."""
    verify = mnist_mod._verify
    keys: list[str] = []

    def counting_verify(path: Path, key: str, source: Any) -> Any:
        keys.append(key)
        return verify(path, key, source)

    monkeypatch.setattr(mnist_mod, "_verify", counting_verify)
    return keys


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory, mnist_dir: Path) -> Path:
    """A cache root holding the verified real arrays, built once for the session."""
    root = tmp_path_factory.mktemp("shared-cache")
    load_mnist(normalize=False, data_dir=mnist_dir, cache_dir=root, cache=True)
    return root


@pytest.fixture
def load(mnist_dir: Path, shared_cache: Path) -> Callable[..., Any]:
    """load_mnist on the real files, served from the session's .npy cache."""
    return partial(load_mnist, data_dir=mnist_dir, cache_dir=shared_cache, cache=True)


def idx_bytes(code: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    """An IDX file: magic 0x0000<code><ndim>, big-endian uint32 dims, then the payload."""
    return (
        struct.pack(">BBBB", 0, 0, code, len(shape))
        + struct.pack(f">{len(shape)}I", *shape)
        + payload
    )


def mnist_like(
    key: str, payload: bytes | None = None, shape: tuple[int, ...] | None = None
) -> bytes:
    """An MNIST-shaped IDX file (right header); all-zero payload unless given."""
    shape = MNIST_SHAPES[key] if shape is None else shape
    if payload is None:
        payload = bytes(int(np.prod(shape)))
    return idx_bytes(0x08, shape, payload)


@pytest.fixture(scope="session")
def zeros_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All four files gzip-compressed, full size, right headers, all-zero payloads."""
    folder = tmp_path_factory.mktemp("zeros")
    for key, name in MNIST_FILES.items():
        (folder / name).write_bytes(gzip.compress(mnist_like(key), compresslevel=1))
    return folder


def copy_real(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for name in MNIST_FILES.values():
        if (src / name).is_file():
            shutil.copyfile(src / name, dst / name)
        else:
            shutil.copyfile(src / name.removesuffix(".gz"), dst / name.removesuffix(".gz"))
    return dst


def decompressed(path: Path) -> bytes:
    raw = path.read_bytes()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


# --------------------------------------------------------------------------- read_idx


def test_read_idx_bytes_raw_and_gzip_paths(tmp_path: Path) -> None:
    values = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    data = idx_bytes(0x08, (2, 3, 4), values.tobytes())
    (tmp_path / "a.idx").write_bytes(data)
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(data))
    for source in (data, bytearray(data), tmp_path / "a.idx", str(tmp_path / "a.idx.gz")):
        out = read_idx(source)
        assert out.dtype == np.uint8
        assert out.shape == (2, 3, 4)
        np.testing.assert_array_equal(out, values)
        assert out.flags.writeable


def test_read_idx_result_is_independent_of_buffer() -> None:
    buf = bytearray(idx_bytes(0x08, (3,), b"\x01\x02\x03"))
    out = read_idx(buf)
    buf[-1] = 99
    assert out.tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("code", "dtype", "values"),
    [
        (0x09, ">i1", [-3, 0, 5]),
        (0x0B, ">i2", [-300, 0, 500]),
        (0x0C, ">i4", [-70000, 1, 2**31 - 1]),
        (0x0D, ">f4", [1.5, -2.0, 0.25]),
        (0x0E, ">f8", [1e-300, -2.5, 3.0]),
    ],
)
def test_read_idx_other_dtypes_native_order(code: int, dtype: str, values: list[float]) -> None:
    payload = np.array(values, dtype=dtype).tobytes()
    out = read_idx(idx_bytes(code, (3,), payload))
    assert out.dtype == np.dtype(dtype).newbyteorder("=")
    assert out.dtype.isnative
    assert out.tolist() == values


def test_parse_idx_header_fields() -> None:
    header = parse_idx_header(idx_bytes(0x08, (10000, 28, 28), b""))
    assert header.magic == IMAGE_MAGIC
    assert header.dtype_code == 0x08
    assert header.shape == (10000, 28, 28)
    assert header.header_size == 16
    assert header.payload_size == 10000 * 784
    assert parse_idx_header(idx_bytes(0x08, (5,), b"")).magic == LABEL_MAGIC


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"\x00\x00", "4-byte IDX magic"),
        (b"\x12\x34\x08\x01" + b"\x00" * 8, "magic number 305399809"),
        (struct.pack(">BBBBI", 0, 0, 0x07, 1, 1) + b"\x00", "dtype code 0x07"),
        (struct.pack(">BBBB", 0, 0, 0x08, 0), "0 dimensions"),
        (struct.pack(">BBBBI", 0, 0, 0x08, 3, 2), "header alone needs 16 bytes"),
        (
            idx_bytes(0x08, (4, 2), bytes(7)),
            "needs 8 payload bytes .* found 7: the file is truncated",
        ),
        (idx_bytes(0x08, (4,), bytes(6)), "found 6: the file is followed by 2 extra bytes"),
        (
            gzip.compress(gzip.compress(idx_bytes(0x08, (1,), b"\x01"), mtime=0), mtime=0),
            "gzip-compressed twice",
        ),
    ],
)
def test_read_idx_rejects_bad_data(tmp_path: Path, data: bytes, match: str) -> None:
    path = tmp_path / "bad.idx"
    path.write_bytes(data)
    with pytest.raises(DataError, match=match) as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("damage", ["flip", "cut"])
def test_read_idx_corrupt_gzip_names_file(tmp_path: Path, damage: str) -> None:
    rng = np.random.default_rng(0)
    payload = rng.integers(0, 256, size=5000, dtype=np.uint8).tobytes()
    gz = bytearray(gzip.compress(idx_bytes(0x08, (5000,), payload)))
    if damage == "flip":
        gz[len(gz) // 2] ^= 0xFF
    else:
        gz = gz[: len(gz) // 2]
    path = tmp_path / "labels.gz"
    path.write_bytes(bytes(gz))
    with pytest.raises(DataError, match="corrupt or truncated gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------- MNIST checks


@pytest.mark.parametrize(
    ("key", "data", "match"),
    [
        ("test_img", mnist_like("test_label"), r"magic number 2049 .* expected magic 2051"),
        ("test_label", mnist_like("test_img", shape=(10, 28, 28)), "magic number 2051"),
        (
            "test_img",
            mnist_like("test_img", shape=(100, 28, 28)),
            r"\(100, 28, 28\).*\(10000, 28, 28\)",
        ),
        ("test_img", mnist_like("test_img", shape=(10000, 27, 28)), r"shape \(10000, 27, 28\)"),
        (
            "test_label",
            mnist_like("test_label", shape=(9999,)),
            r"shape \(9999,\); expected .*\(10000,\)",
        ),
        (
            "test_label",
            mnist_like("test_label", payload=bytes(9999)),
            "found 9999: the file is truncated",
        ),
        ("test_label", mnist_like("test_label", payload=bytes(10005)), "trailing data"),
        ("test_label", mnist_like("test_label"), "MD5 [0-9a-f]{32}; expected 27ae3e4e"),
        ("test_label", b"\x01\x02\x03\x04\x05\x06\x07\x08", "not an IDX file"),
    ],
)
@pytest.mark.parametrize("compress", [False, True])
def test_read_mnist_file_errors_name_file_and_fix(
    tmp_path: Path, key: str, data: bytes, match: str, compress: bool
) -> None:
    path = tmp_path / ("x.gz" if compress else "x")
    path.write_bytes(gzip.compress(data, compresslevel=1) if compress else data)
    with pytest.raises(DataError, match=match) as info:
        read_mnist_file(path, key)
    message = str(info.value)
    assert str(path) in message
    assert "good copy" in message or "good copies" in message


def test_read_mnist_file_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(mnist_like("test_label"))[:-20])
    with pytest.raises(DataError, match="corrupt or truncated gzip") as info:
        read_mnist_file(path, "test_label")
    assert str(path) in str(info.value)


def test_read_mnist_file_unknown_key(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="train_img"):
        read_mnist_file(tmp_path / "x", "train_images")


def test_load_mnist_wrong_md5_full_size_files(zeros_dir: Path) -> None:
    with pytest.raises(DataError, match="MD5") as info:
        load_mnist(data_dir=zeros_dir)
    # Files are checked in MNIST_FILES order: the training images come first.
    assert str(zeros_dir / MNIST_FILES["train_img"]) in str(info.value)
    assert "6bbc9ace898e44ae57da46a324031adb" in str(info.value)


# --------------------------------------------------------------------------- locations


def test_resolve_data_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resolve_data_dir() == tmp_path / "user-cache" / "mnist"
    monkeypatch.setenv("DLSCRATCH_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir() == tmp_path / "env"
    assert resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert resolve_data_dir(str(tmp_path / "arg")) == tmp_path / "arg"


def test_cache_root_defaults_to_user_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DLSCRATCH_CACHE_DIR")
    root = cache_root()
    assert root == Path(platformdirs.user_cache_dir("dlscratch"))
    source_tree = Path(mnist_mod.__file__).resolve().parents[3]
    assert not root.resolve().is_relative_to(source_tree)
    assert cache_root("/x/y") == Path("/x/y")


def test_missing_files_in_explicit_dir(tmp_path: Path, zeros_dir: Path) -> None:
    folder = tmp_path / "partial"
    folder.mkdir()
    shutil.copyfile(zeros_dir / MNIST_FILES["train_img"], folder / MNIST_FILES["train_img"])
    (folder / "train-labels-idx1-ubyte").write_bytes(b"")  # uncompressed name counts too
    with pytest.raises(DataNotFoundError) as info:
        load_mnist(data_dir=folder)
    message = str(info.value)
    assert str(folder) in message
    assert "t10k-images-idx3-ubyte.gz" in message
    assert "t10k-labels-idx1-ubyte.gz" in message
    assert "train-images-idx3-ubyte.gz (or" not in message  # present
    assert "train-labels-idx1-ubyte.gz (or" not in message  # present, uncompressed
    assert "data_dir argument" in message


def test_missing_files_via_env_and_missing_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "nowhere"
    monkeypatch.setenv("DLSCRATCH_DATA_DIR", str(folder))
    with pytest.raises(DataNotFoundError, match="does not exist") as info:
        load_mnist()
    message = str(info.value)
    assert "environment variable DLSCRATCH_DATA_DIR" in message
    assert all(name in message for name in MNIST_FILES.values())
    assert isinstance(info.value, FileNotFoundError)


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "mnist.zip"
    not_a_folder.write_bytes(b"PK")
    with pytest.raises(DataNotFoundError, match="not a folder"):
        load_mnist(data_dir=not_a_folder)


def test_offline_download_lists_mirrors_and_remedy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[str] = []

    def offline(url: str, **kwargs: Any) -> str:
        calls.append(url)
        assert kwargs["known_hash"] is None
        assert kwargs["progressbar"] is True
        raise requests.ConnectionError(f"no route to host for {url}")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(DataNotFoundError) as info:
        load_mnist()
    message = str(info.value)
    for mirror in MNIST_MIRRORS:
        assert mirror in message
    for name in MNIST_FILES.values():
        assert name in message
    assert "DLSCRATCH_DATA_DIR" in message
    assert "--data-dir" in message
    assert "ConnectionError" in message
    expected = [m + n for n in MNIST_FILES.values() for m in MNIST_MIRRORS]
    assert calls == expected
    cache = tmp_path / "user-cache" / "mnist"
    assert not cache.exists() or not any(cache.iterdir())


@pytest.mark.parametrize(
    ("value", "enabled"),
    [(None, True), ("", True), ("0", True), ("false", True), ("1", False), ("yes", False)],
)
def test_no_cache_env(monkeypatch: pytest.MonkeyPatch, value: str | None, enabled: bool) -> None:
    if value is not None:
        monkeypatch.setenv("DLSCRATCH_NO_CACHE", value)
    assert mnist_mod._cache_enabled(None) is enabled
    assert mnist_mod._cache_enabled(True) is True
    assert mnist_mod._cache_enabled(False) is False


def test_download_false_does_not_download(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="missing"):
        load_mnist(download=False)  # the autouse fixture fails any download attempt


def test_corrupt_download_is_deleted_and_next_mirror_tried(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def garbage_then_offline(url: str, *, fname: str, path: Path, **kwargs: Any) -> str:
        if url.startswith(MNIST_MIRRORS[0]):
            target = Path(path) / fname
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"<html>Access denied</html>")
            return str(target)
        raise requests.HTTPError("403 Forbidden")

    monkeypatch.setattr(pooch, "retrieve", garbage_then_offline)
    folder = tmp_path / "dl-cache"
    with pytest.raises(DataNotFoundError, match="failed verification") as info:
        download_mnist(cache_dir=folder)
    assert "HTTPError: 403 Forbidden" in str(info.value)
    assert not any((folder / "mnist").iterdir())


def test_mnist_info_reports_without_downloading(tmp_path: Path, zeros_dir: Path) -> None:
    info = mnist_info()
    assert info.source == "cache"
    assert info.data_dir == tmp_path / "user-cache" / "mnist"
    assert not info.ok
    assert [f.key for f in info.files] == list(MNIST_FILES)
    assert all(not f.present and not f.verified and f.records is None for f in info.files)
    assert all(f.path.name in MNIST_FILES.values() for f in info.files)

    info = mnist_info(zeros_dir)
    assert info.source == "argument"
    assert [f.records for f in info.files] == [60000, 60000, 10000, 10000]
    assert all(f.present and not f.verified for f in info.files)
    assert all(f.error is not None and "MD5" in f.error for f in info.files)
    json.dumps(info.as_dict())


# --------------------------------------------------------------------------- real MNIST


@pytest.mark.mnist
@pytest.mark.parametrize(
    ("normalize", "flatten", "one_hot_label"), list(itertools.product([True, False], repeat=3))
)
def test_shapes_and_dtypes(
    load: Callable[..., Any], normalize: bool, flatten: bool, one_hot_label: bool
) -> None:
    (x_train, t_train), (x_test, t_test) = load(
        normalize=normalize, flatten=flatten, one_hot_label=one_hot_label
    )
    for x, t, n in ((x_train, t_train, 60000), (x_test, t_test, 10000)):
        assert x.shape == ((n, 784) if flatten else (n, 1, 28, 28))
        assert x.dtype == (np.float32 if normalize else np.uint8)
        assert t.shape == ((n, 10) if one_hot_label else (n,))
        assert t.dtype == (np.float32 if one_hot_label else np.uint8)


@pytest.mark.mnist
def test_normalized_pixels(load: Callable[..., Any]) -> None:
    (x, _), (x_test, _) = load(normalize=True)
    assert x.min() == 0.0
    assert x.max() == 1.0
    del x
    _, (raw_test, _) = load(normalize=False)
    assert raw_test.max() == 255
    # Exactly pixel / 255 in float32 (the book: astype(float32), then /= 255.0).
    np.testing.assert_array_equal(x_test, raw_test.astype(np.float32) / np.float32(255))


@pytest.mark.mnist
def test_labels_match_book(load: Callable[..., Any]) -> None:
    (_, t_train), (_, t_test) = load()
    assert t_train[:10].tolist() == TRAIN_LABELS_HEAD
    assert t_test[:10].tolist() == TEST_LABELS_HEAD
    assert np.bincount(t_train).tolist() == TRAIN_COUNTS
    assert np.bincount(t_test).tolist() == TEST_COUNTS


@pytest.mark.mnist
def test_one_hot_matches_labels(load: Callable[..., Any]) -> None:
    (_, t_train), (_, t_test) = load()
    (_, h_train), (_, h_test) = load(one_hot_label=True)
    for t, h in ((t_train, h_train), (t_test, h_test)):
        np.testing.assert_array_equal(h.argmax(axis=1), t)
        np.testing.assert_array_equal(h.sum(axis=1), 1.0)
        assert set(np.unique(h).tolist()) == {0.0, 1.0}


@pytest.mark.mnist
def test_returned_arrays_writable_and_independent(load: Callable[..., Any]) -> None:
    first = load(normalize=False, flatten=False)
    arrays = [a for pair in first for a in pair]
    expected = [a.copy() for a in arrays]
    for a in arrays:
        assert a.flags.writeable
        a[...] = 3
    second = load(normalize=False, flatten=False)
    for a, b in zip(expected, [a for pair in second for a in pair], strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.shares_memory(first[0][0], second[0][0])
    del first, second, arrays

    # Normalized / one-hot results too (checked on the test half: smaller, same path).
    _, (x_test, t_test) = load(normalize=True, one_hot_label=True)
    x_expected, t_expected = x_test.copy(), t_test.copy()
    assert x_test.flags.writeable
    assert t_test.flags.writeable
    x_test[...] = -1.0
    t_test[...] = 7.0
    _, (x_again, t_again) = load(normalize=True, one_hot_label=True)
    np.testing.assert_array_equal(x_again, x_expected)
    np.testing.assert_array_equal(t_again, t_expected)


@pytest.mark.mnist
def test_npy_cache_round_trip(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mnist_dir: Path
) -> None:
    root = tmp_path / "user-cache"
    reference = load_mnist(normalize=False, data_dir=mnist_dir, cache=False)
    assert not (root / "mnist-npy").exists()

    built = load_mnist(normalize=False, data_dir=mnist_dir)
    (npy_dir,) = (root / "mnist-npy").iterdir()
    assert sorted(p.name for p in npy_dir.iterdir()) == [
        "test_img.json",
        "test_img.npy",
        "test_label.json",
        "test_label.npy",
        "train_img.json",
        "train_img.npy",
        "train_label.json",
        "train_label.npy",
    ]
    for key, shape in MNIST_SHAPES.items():
        stored = np.load(npy_dir / f"{key}.npy", allow_pickle=False)
        assert stored.shape == shape
        assert stored.dtype == np.uint8

    calls = count_verifications(monkeypatch)
    cached = load_mnist(normalize=False, data_dir=mnist_dir)
    for ref, a, b in zip(
        [a for p in reference for a in p],
        [a for p in built for a in p],
        [a for p in cached for a in p],
        strict=True,
    ):
        np.testing.assert_array_equal(ref, a)
        np.testing.assert_array_equal(ref, b)
        assert ref.dtype == b.dtype
    assert calls == []  # served from the .npy files, nothing re-read

    # A damaged .npy is noticed and rebuilt from the verified source, with a warning.
    (npy_dir / "test_label.npy").write_bytes(b"garbage")
    with pytest.warns(MnistCacheWarning, match=r"test_label\.npy cannot be read as an \.npy"):
        _, (_, t_again) = load_mnist(normalize=False, data_dir=mnist_dir)
    np.testing.assert_array_equal(t_again, reference[1][1])
    assert calls == ["test_label"]
    assert np.load(npy_dir / "test_label.npy", allow_pickle=False).shape == (10000,)


@pytest.mark.mnist
def test_changed_source_file_never_served_stale(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mnist_dir: Path
) -> None:
    folder = copy_real(mnist_dir, tmp_path / "copy")
    _, (_, t_test) = load_mnist(data_dir=folder)

    label_path = next(folder.glob("t10k-labels-idx1-ubyte*"))
    data = bytearray(decompressed(label_path))
    data[8] = (data[8] + 1) % 10  # change the first test label
    label_path.write_bytes(gzip.compress(bytes(data)))
    with pytest.raises(DataError, match="MD5") as info:
        load_mnist(data_dir=folder)
    assert str(label_path) in str(info.value)

    # A good copy again (new mtime/inode): only that file is re-verified, then served.
    label_path.unlink()
    shutil.copyfile(mnist_dir / label_path.name, label_path)
    calls = count_verifications(monkeypatch)
    _, (_, again) = load_mnist(data_dir=folder)
    np.testing.assert_array_equal(again, t_test)
    assert calls == ["test_label"]


# --------------------------------------------------------------------------- cache integrity


@pytest.fixture
def own_cache(tmp_path: Path, shared_cache: Path) -> Path:
    """A private copy of the session's cache root (for tests that damage it)."""
    root = tmp_path / "own-cache"
    shutil.copytree(shared_cache / "mnist-npy", root / "mnist-npy")
    return root


def npy_folder(root: Path) -> Path:
    (folder,) = (root / "mnist-npy").iterdir()
    return folder


def flip_in_place(path: Path, offset: int, value: int) -> None:
    """Overwrite one byte, keeping the file's inode, size and mtime (as a bit flip would)."""
    st = path.stat()
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(bytes([value]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        st.st_ino,
        st.st_size,
        st.st_mtime_ns,
    )


def assert_cache_intact(root: Path, mnist_dir: Path) -> None:
    """The next load is served from the cache: nothing re-verified, nothing warned."""
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        calls = count_verifications(mp)
        warnings.simplefilter("error")
        (_, t_train), (_, t_test) = load_mnist(normalize=False, data_dir=mnist_dir, cache_dir=root)
        info = mnist_info(mnist_dir, cache_dir=root)
    assert calls == []
    assert t_train[:10].tolist() == TRAIN_LABELS_HEAD
    assert t_test[:10].tolist() == TEST_LABELS_HEAD
    assert [f.cache for f in info.files] == ["valid"] * 4


@pytest.mark.mnist
def test_flipped_byte_in_the_cache_is_caught_and_rebuilt(
    monkeypatch: pytest.MonkeyPatch, own_cache: Path, mnist_dir: Path
) -> None:
    folder = npy_folder(own_cache)
    labels, images = folder / "train_label.npy", folder / "train_img.npy"
    # Train label #0 (a 5) becomes a 9, and one pixel of image #0 changes; size, mtime
    # and inode stay as they were, which is all the cache used to check.
    flip_in_place(labels, labels.stat().st_size - 60000, 9)
    flip_in_place(images, images.stat().st_size - 60000 * 784 + 14 * 28 + 14, 7)

    info = mnist_info(mnist_dir, cache_dir=own_cache)
    assert [f.cache for f in info.files] == ["damaged", "damaged", "valid", "valid"]
    assert "train_label.npy does not match its SHA-256" in str(info.files[1].cache_error)
    assert all(f.verified for f in info.files)  # the source files themselves are fine

    with pytest.warns(MnistCacheWarning) as caught:
        (x_train, t_train), _ = load_mnist(normalize=False, data_dir=mnist_dir, cache_dir=own_cache)
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 2
    assert "train_img.npy does not match its SHA-256" in messages[0]
    assert "train_label.npy does not match its SHA-256" in messages[1]
    assert "rebuilt from the verified file" in messages[1]
    assert str(mnist_dir / MNIST_FILES["train_label"]) in messages[1]
    assert "\n" not in messages[1]
    assert t_train[0] == 5
    assert t_train[:10].tolist() == TRAIN_LABELS_HEAD
    np.testing.assert_array_equal(x_train[0], read_mnist_file(
        mnist_dir / MNIST_FILES["train_img"], "train_img")[0].reshape(-1))  # fmt: skip
    assert_cache_intact(own_cache, mnist_dir)


@pytest.mark.mnist
def test_edited_manifest_cannot_vouch_for_a_changed_array(
    monkeypatch: pytest.MonkeyPatch, own_cache: Path, mnist_dir: Path
) -> None:
    folder = npy_folder(own_cache)
    labels = folder / "train_label.npy"
    flip_in_place(labels, labels.stat().st_size - 60000, 9)
    # Someone also records the new content's hash in the manifest beside it.
    array = np.load(labels, allow_pickle=False)
    entry = json.loads((folder / "train_label.json").read_text())
    entry["sha256"] = mnist_mod._digests([array])[0]
    (folder / "train_label.json").write_text(json.dumps(entry))
    with pytest.warns(MnistCacheWarning, match="records a SHA-256 other than that of the orig"):
        (_, t_train), _ = load_mnist(normalize=False, data_dir=mnist_dir, cache_dir=own_cache)
    assert t_train[0] == 5
    assert_cache_intact(own_cache, mnist_dir)


def test_content_hash_is_sha256_of_chunk_digests() -> None:
    rng = np.random.default_rng(0)
    big = rng.integers(0, 256, 9 * 2**20 + 5, dtype=np.uint8)  # three chunks of 4 MiB
    small = np.arange(10, dtype=np.uint8).reshape(2, 5)
    raw = big.tobytes()
    chunks = [raw[i : i + 4 * 2**20] for i in range(0, len(raw), 4 * 2**20)]
    expected = hashlib.sha256(b"".join(hashlib.sha256(c).digest() for c in chunks)).hexdigest()
    one = hashlib.sha256(hashlib.sha256(small.tobytes()).digest()).hexdigest()
    assert mnist_mod._digests([big, small]) == [expected, one]
    assert mnist_mod._digests([small[:, ::2]]) == [  # not contiguous: hashed as a copy
        hashlib.sha256(hashlib.sha256(small[:, ::2].tobytes()).digest()).hexdigest()
    ]


@pytest.mark.mnist
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"[" * 2000 + b"]" * 2000, "nests too deeply to be read"),
        (b'{"format": 2, "key": ', "is not valid JSON"),
        (b"\xff\xfe{}", "is not valid JSON"),
        (b" " * (70 * 2**10) + b"{}", "is larger than 65536 bytes"),
        (b"[1, 2]", "is not a format-2 manifest"),
        (b'{"format": 1, "files": {}}', "is not a format-2 manifest"),
        (b'{"format": 2, "key": "test_label", "md5": "0"}', "does not describe the original"),
    ],
    ids=["deep", "truncated", "not-utf8", "huge", "list", "old-format", "other-md5"],
)
def test_damaged_manifest_is_ignored_and_rebuilt(
    monkeypatch: pytest.MonkeyPatch,
    own_cache: Path,
    mnist_dir: Path,
    content: bytes,
    problem: str,
) -> None:
    folder = npy_folder(own_cache)
    for key in ("train_label", "test_label"):
        (folder / f"{key}.json").write_bytes(content.replace(b"test_label", key.encode()))
    (folder / "manifest.json").write_bytes(b"[" * 2000 + b"]" * 2000)  # format 1: unused
    info = mnist_info(mnist_dir, cache_dir=own_cache)
    assert [f.cache for f in info.files] == ["valid", "damaged", "valid", "damaged"]
    assert problem in str(info.files[3].cache_error)
    calls = count_verifications(monkeypatch)
    with pytest.warns(MnistCacheWarning) as caught:
        (_, t_train), (_, t_test) = load_mnist(data_dir=mnist_dir, cache_dir=own_cache)
    assert calls == ["train_label", "test_label"]  # only those were rebuilt
    messages = sorted(str(w.message) for w in caught)
    for message, key in zip(messages, ["test_label", "train_label"], strict=True):
        assert message.startswith(f"MNIST cache: {folder / f'{key}.json'} {problem}")
        assert message.endswith(
            f"; it was ignored and rebuilt from the verified file {mnist_dir / MNIST_FILES[key]}"
        )
        assert "\n" not in message
    assert t_train[:10].tolist() == TRAIN_LABELS_HEAD
    assert t_test[:10].tolist() == TEST_LABELS_HEAD
    assert_cache_intact(own_cache, mnist_dir)


@pytest.mark.mnist
def test_deeply_nested_manifests_of_all_four_arrays(
    monkeypatch: pytest.MonkeyPatch, own_cache: Path, mnist_dir: Path
) -> None:
    folder = npy_folder(own_cache)
    for key in MNIST_FILES:
        (folder / f"{key}.json").write_text("[" * 2000 + "]" * 2000)
    with pytest.warns(MnistCacheWarning, match="nests too deeply") as caught:
        (_, t_train), _ = load_mnist(data_dir=mnist_dir, cache_dir=own_cache)
    assert len(caught) == 4
    assert t_train[0] == 5
    assert_cache_intact(own_cache, mnist_dir)


@pytest.mark.mnist
@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda p: p.unlink(), "is missing"),
        (lambda p: p.write_bytes(b"\x93NUMPY"), "cannot be read as an .npy file"),
        (lambda p: np.save(p, np.zeros(10000, np.int64)), "holds (10000,) int64; expected"),
        (lambda p: np.save(p, np.zeros(10**6, np.uint8)), "holds (1000000,) uint8; expected"),
        (lambda p: p.write_bytes(p.read_bytes() + b"\0"), "has data after the 10000 bytes"),
        (lambda p: p.write_bytes(p.read_bytes()[:-1]), "is truncated: 9999 bytes of data"),
    ],
    ids=["missing", "header-only", "int64", "huge", "trailing", "truncated"],
)
def test_damaged_npy_is_ignored_and_rebuilt(
    monkeypatch: pytest.MonkeyPatch,
    own_cache: Path,
    mnist_dir: Path,
    damage: Callable[[Path], Any],
    problem: str,
) -> None:
    npy = npy_folder(own_cache) / "test_label.npy"
    damage(npy)
    with pytest.warns(MnistCacheWarning, match=re.escape(f"{npy} {problem}")):
        _, (_, t_test) = load_mnist(normalize=False, data_dir=mnist_dir, cache_dir=own_cache)
    assert t_test[:10].tolist() == TEST_LABELS_HEAD
    assert_cache_intact(own_cache, mnist_dir)


def _load_in_another_process(
    data_dir: str, cache_dirs: list[str], start: Any, results: Any
) -> None:  # pragma: no cover - runs in a child process
    for cache_dir in cache_dirs:
        start.wait()  # all four processes start each load together
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            (_, t_train), (_, t_test) = load_mnist(
                normalize=False, data_dir=data_dir, cache_dir=cache_dir
            )
        labels = (t_train[:10].tolist(), t_test[:10].tolist())
        results.put((cache_dir, labels, [str(w.message) for w in caught]))


@pytest.mark.mnist
def test_concurrent_loads_leave_a_complete_cache(tmp_path: Path, mnist_dir: Path) -> None:
    """Four processes build a fresh cache at once, three times over; each time a later
    load finds all four arrays and their manifests, intact."""
    source = tmp_path / "raw"  # uncompressed copies: quicker to verify, same race
    source.mkdir()
    for name in MNIST_FILES.values():
        (source / name.removesuffix(".gz")).write_bytes(
            decompressed(next(mnist_dir.glob(name[:-3] + "*")))
        )
    ctx = multiprocessing.get_context("spawn")
    roots = [tmp_path / f"cache-{attempt}" for attempt in range(3)]
    start, results = ctx.Barrier(4), ctx.Queue()
    args = (str(source), [str(r) for r in roots], start, results)
    workers = [ctx.Process(target=_load_in_another_process, args=args) for _ in range(4)]
    for w in workers:
        w.start()
    got = sorted(results.get(timeout=120) for _ in range(4 * len(roots)))
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    expected = ((TRAIN_LABELS_HEAD, TEST_LABELS_HEAD), [])
    assert got == sorted((str(r), *expected) for r in roots for _ in range(4))
    for root in roots:
        folder = npy_folder(root)
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            f"{key}{suffix}" for key in MNIST_FILES for suffix in (".json", ".npy")
        )  # every entry there, no temporary file left
        for key in MNIST_FILES:
            entry, problem = mnist_mod._read_entry(folder, key)
            assert problem is None and entry is not None
            assert entry["source"] == str((source / MNIST_FILES[key][:-3]).resolve())
        assert_cache_intact(root, source)


@pytest.mark.mnist
def test_unwritable_cache_is_skipped(
    tmp_path: Path, load: Callable[..., Any], mnist_dir: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    _, (x_test, t_test) = load_mnist(normalize=False, data_dir=mnist_dir, cache_dir=blocker)
    _, (x_ref, t_ref) = load(normalize=False)
    np.testing.assert_array_equal(x_test, x_ref)
    np.testing.assert_array_equal(t_test, t_ref)


def test_cache_files_go_through_the_shared_atomic_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dlscratch.files

    synced: list[int] = []
    monkeypatch.setattr(dlscratch.files.os, "fsync", synced.append)
    labels = np.arange(10000, dtype=np.uint8)
    assert mnist_mod._save_npy(tmp_path / "npy", "test_label", labels)
    assert len(synced) == 1  # fsync'ed before the rename
    np.testing.assert_array_equal(np.load(tmp_path / "npy" / "test_label.npy"), labels)
    assert [p.name for p in (tmp_path / "npy").iterdir()] == ["test_label.npy"]  # no temp
    # An unwritable cache folder is skipped: False (None), nothing raised, nothing left.
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    assert not mnist_mod._save_npy(blocker / "npy", "test_label", labels)
    assert not mnist_mod._try_write(blocker / "x.json", lambda f: f.write(b"{}"))
    assert blocker.read_text() == "a file where the cache folder should be"


def test_datasets_do_not_import_the_higher_modules() -> None:
    import subprocess
    import sys

    code = (
        "import sys, dlscratch.datasets; "
        "print(sorted(m for m in sys.modules if m.startswith('dlscratch.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stdout
    assert "dlscratch.files" in loaded
    for higher in ("dlscratch.io", "dlscratch.trainer", "dlscratch.networks", "dlscratch.cli"):
        assert f"'{higher}'" not in loaded


@pytest.mark.mnist
def test_uncompressed_files_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mnist_dir: Path, load: Callable[..., Any]
) -> None:
    folder = tmp_path / "raw"
    folder.mkdir()
    for name in MNIST_FILES.values():
        src = (
            mnist_dir / name
            if (mnist_dir / name).is_file()
            else mnist_dir / name.removesuffix(".gz")
        )
        (folder / name.removesuffix(".gz")).write_bytes(decompressed(src))
    monkeypatch.setenv("DLSCRATCH_NO_CACHE", "1")
    got = load_mnist(normalize=False, data_dir=folder)
    assert not (tmp_path / "user-cache" / "mnist-npy").exists()
    ref = load(normalize=False)
    for a, b in zip([a for p in got for a in p], [a for p in ref for a in p], strict=True):
        np.testing.assert_array_equal(a, b)
    info = mnist_info(folder)
    assert info.ok
    assert all(f.path.suffix != ".gz" for f in info.files)


@pytest.mark.mnist
def test_download_falls_back_to_next_mirror(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mnist_dir: Path
) -> None:
    calls: list[str] = []

    def flaky(url: str, *, fname: str, path: Path, **kwargs: Any) -> str:
        calls.append(url)
        if url.startswith(MNIST_MIRRORS[0]):
            raise requests.ConnectionError("mirror down")
        target = Path(path) / fname
        target.parent.mkdir(parents=True, exist_ok=True)
        raw = mnist_dir / fname.removesuffix(".gz")
        src = mnist_dir / fname if (mnist_dir / fname).is_file() else raw
        target.write_bytes(gzip.compress(decompressed(src), 1) if src == raw else src.read_bytes())
        return str(target)

    monkeypatch.setattr(pooch, "retrieve", flaky)
    verified = count_verifications(monkeypatch)
    _, (_, t_test) = load_mnist()
    assert t_test[:10].tolist() == TEST_LABELS_HEAD
    assert calls == [m + n for n in MNIST_FILES.values() for m in MNIST_MIRRORS[:2]]
    assert verified == list(MNIST_FILES)  # once each, at download; not again at load
    folder = tmp_path / "user-cache" / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(MNIST_FILES.values())

    calls.clear()
    _, (_, t_again) = load_mnist()  # now present: no download
    np.testing.assert_array_equal(t_again, t_test)
    assert calls == []
    info = mnist_info()
    assert info.source == "cache"
    assert info.data_dir == folder
    assert info.ok


@pytest.mark.mnist
def test_mnist_info_real(monkeypatch: pytest.MonkeyPatch, mnist_dir: Path) -> None:
    monkeypatch.setenv("DLSCRATCH_DATA_DIR", str(mnist_dir))
    info = mnist_info()
    assert info.source == "DLSCRATCH_DATA_DIR"
    assert info.data_dir == mnist_dir
    assert info.ok
    assert [f.records for f in info.files] == [60000, 60000, 10000, 10000]
    assert all(f.present and f.verified and f.error is None for f in info.files)
