import os
import pickle
import pickletools

import numpy as np
import pytest

from dlscratch.errors import ModelFileError, UnsafePickleError
from dlscratch.io import (
    atomic_write,
    load_book_params,
    load_model,
    load_network,
    read_model_file,
    save_model,
    write_model_file,
)
from dlscratch.networks import ThreeLayerNet, TwoLayerNet


class Boom:
    """Unpickling this would run os.system: the loader must refuse before that."""

    def __reduce__(self):
        return (os.system, ("echo pwned > PWNED",))


def test_malicious_pickle_is_refused_without_running(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps({"W1": np.zeros(2), "x": Boom()}))
    with pytest.raises(UnsafePickleError, match=r"'posix\.system'|'nt\.system'|'os\.system'") as e:
        load_book_params(evil)
    assert "evil.pkl" in str(e.value)
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_arrays_round_trip_through_safe_unpickler(tmp_path, protocol):
    params = {
        "W1": np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)),
        "b1": np.arange(4, dtype=np.float64),
    }
    path = tmp_path / "w.pkl"
    path.write_bytes(pickle.dumps(params, protocol=protocol))
    got = load_book_params(path)
    for k, v in params.items():
        np.testing.assert_array_equal(got[k], v)
        assert got[k].dtype == v.dtype
        assert got[k].flags.c_contiguous  # Fortran-ordered input becomes C-ordered


def test_object_arrays_and_non_dicts_are_refused(tmp_path):
    path = tmp_path / "list.pkl"
    path.write_bytes(pickle.dumps([np.zeros(2)]))
    with pytest.raises(ModelFileError, match="expected a pickled dict"):
        load_book_params(path)
    path.write_bytes(pickle.dumps({"W": np.array([1, "a"], dtype=object)}))
    with pytest.raises(UnsafePickleError):
        load_book_params(path)


def test_truncated_pickle_gives_clear_error(tmp_path):
    path = tmp_path / "cut.pkl"
    path.write_bytes(pickle.dumps({"W": np.zeros(100)})[:50])
    with pytest.raises(ModelFileError, match=r"cut\.pkl"):
        load_book_params(path)


def test_book_sample_weight(book_weights):
    path = book_weights / "sample_weight.pkl"
    globals_used = {
        arg for op, arg, _ in pickletools.genops(path.read_bytes()) if op.name == "GLOBAL"
    }
    assert globals_used == {"numpy.core.multiarray _reconstruct", "numpy ndarray", "numpy dtype"}
    params = load_book_params(path)
    shapes = {k: v.shape for k, v in params.items()}
    assert shapes == {
        "W1": (784, 50),
        "b1": (50,),
        "W2": (50, 100),
        "b2": (100,),
        "W3": (100, 10),
        "b3": (10,),
    }
    assert all(v.dtype == np.float32 for v in params.values())


def test_model_file_round_trip(tmp_path):
    net = TwoLayerNet(6, 5, 3, weight_init_std="he", seed=1, dtype=np.float32)
    x = np.random.default_rng(0).random((4, 6), dtype=np.float32)
    path = save_model(net, tmp_path / "m", extra={"note": "hi"})
    assert path.name == "m.npz"
    again = load_model(path)
    assert isinstance(again, TwoLayerNet)
    assert again.get_config() == net.get_config()
    assert again.dtype == np.float32
    np.testing.assert_array_equal(again.predict(x), net.predict(x))
    meta = read_model_file(path).meta
    assert meta["architecture"] == "TwoLayerNet" and meta["note"] == "hi"
    assert meta["dlscratch_version"]
    with np.load(path, allow_pickle=False) as data:  # readable without pickle
        assert "params/W1" in data.files
    assert load_model(path, dtype=np.float64).dtype == np.float64


def test_model_file_errors(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match="not a dlscratch model file"):
        load_model(bad)
    plain = tmp_path / "plain.npz"
    np.savez(plain, W1=np.zeros(2))
    with pytest.raises(ModelFileError, match="__meta__"):
        load_model(plain)
    other = write_model_file(tmp_path / "other.npz", "NoSuchNet", {}, {"W": np.zeros(2)})
    with pytest.raises(ModelFileError, match="unknown architecture 'NoSuchNet'"):
        load_model(other)
    wrong = write_model_file(
        tmp_path / "wrong.npz",
        "TwoLayerNet",
        {"input_size": 6, "hidden_size": 5, "output_size": 3},
        {"W1": np.zeros((6, 4)), "b1": np.zeros(5), "W2": np.zeros((5, 3)), "b2": np.zeros(3)},
    )
    with pytest.raises(ModelFileError, match=r"'W1' should have shape \(6, 5\), got \(6, 4\)"):
        load_model(wrong)


def test_atomic_write_keeps_old_content_on_failure(tmp_path):
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")

    def fails(fh):
        fh.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, fails)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temp file left


def test_atomic_write_is_the_one_shared_writer():
    import dlscratch.files

    assert atomic_write is dlscratch.files.atomic_write


def test_atomic_write_syncs_a_temp_file_in_the_same_folder_then_renames(tmp_path, monkeypatch):
    import dlscratch.files

    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append("fsync")
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.path.dirname(src), dst))
        real_replace(src, dst)

    monkeypatch.setattr(dlscratch.files.os, "fsync", fsync)
    monkeypatch.setattr(dlscratch.files.os, "replace", replace)
    target = tmp_path / "sub" / "m.bin"  # a missing folder is created
    atomic_write(target, lambda fh: fh.write(b"new content"))
    assert target.read_bytes() == b"new content"
    # Synced before the rename, from a temporary file beside the target.
    assert events == ["fsync", ("replace", str(tmp_path / "sub"), target)]
    assert [p.name for p in target.parent.iterdir()] == ["m.bin"]


def test_atomic_write_gives_the_usual_mode_of_a_new_file(tmp_path):
    umask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a.bin", lambda fh: fh.write(b"x"))
        os.umask(0o077)
        atomic_write(tmp_path / "b.bin", lambda fh: fh.write(b"x"))
    finally:
        os.umask(umask)
    # Not the owner-only 0600 of temporary files: 0666 less the umask.
    assert (tmp_path / "a.bin").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.bin").stat().st_mode & 0o777 == 0o600


def test_convert_book_pickle_to_npz(tmp_path, book_weights):
    net = load_network(book_weights / "sample_weight.pkl")
    assert isinstance(net, ThreeLayerNet)
    path = save_model(net, tmp_path / "sw.npz")
    again = load_network(path)
    for k in net.params:
        np.testing.assert_array_equal(again.params[k], net.params[k])


def test_pickle_cannot_rewrite_allowed_functions(tmp_path):
    # GLOBAL _codecs.encode, then BUILD with slot state (None, {'__defaults__': ...}):
    # pickle would setattr on the global itself. The loader hands out throwaway wrappers.
    from dlscratch import io as dio

    path = tmp_path / "tamper.pkl"
    path.write_bytes(b"c_codecs\nencode\n(N(dS'__defaults__'\n(S'utf8'\ntstb.")
    with pytest.raises(ModelFileError, match="expected a pickled dict"):
        load_book_params(path)
    assert dio._latin1_bytes.__defaults__ == ("latin1",)


def test_model_files_get_the_usual_permissions(tmp_path):
    path = save_model(TwoLayerNet(3, 2, 2), tmp_path / "m.npz")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_safe_pickle_is_a_drop_in_for_the_books_pickle_load(tmp_path, book_weights):
    import pickle as std_pickle

    from dlscratch import safe_pickle as pickle

    with open(book_weights / "sample_weight.pkl", "rb") as f:
        network = pickle.load(f)
    with open(book_weights / "sample_weight.pkl", "rb") as f:
        expected = std_pickle.load(f)  # trusted file: compare with the real thing
    assert sorted(network) == sorted(expected)
    for key in expected:
        np.testing.assert_array_equal(network[key], expected[key])
    data = pickle.dumps({"a": np.arange(3.0), "b": [1, (2, "x")]})
    again = pickle.loads(data)
    np.testing.assert_array_equal(again["a"], [0.0, 1.0, 2.0])
    assert again["b"] == [1, (2, "x")]
    evil = std_pickle.dumps(print)  # names builtins.print
    with pytest.raises(UnsafePickleError, match=r"builtins\.print"):
        pickle.loads(evil)
