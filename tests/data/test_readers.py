"""CSV and NPZ readers: values, headers, class names; malformed rows, non-numeric values, ragged
rows and object arrays give a DataFileError naming file, line and column (or member)."""

import io
import zipfile

import numpy as np
import pytest

from deltanet.data import DataFileError, load_iris, read_csv, read_npz, read_npz_xy


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_iris_csv_reads_like_load_iris(tmp_path):
    from importlib import resources

    source = resources.files("deltanet.data").joinpath("files", "iris.csv").read_text(encoding="utf-8")
    data = read_csv(write(tmp_path, source), target="species", dtype=np.float64)
    iris = load_iris(dtype=np.float64)
    np.testing.assert_array_equal(data.X, iris.X)
    np.testing.assert_array_equal(data.y, iris.y)  # names sorted: setosa, versicolor, virginica
    assert data.target_names == iris.target_names
    assert data.feature_names[0] == "sepal_length_cm"


def test_numeric_targets_headers_and_indices(tmp_path):
    path = write(tmp_path, "# a comment\n1,2,0\n\n3,4.5,1\n5,6,2\n")
    data = read_csv(path)  # no header (every field is a number), last column is the target
    assert data.X.tolist() == [[1, 2], [3, 4.5], [5, 6]] and data.X.dtype == np.float32
    assert data.y.tolist() == [0, 1, 2] and data.y.dtype == np.int64
    assert data.feature_names == ["column 0", "column 1"]
    first = read_csv(path, target=0, dtype=np.float64)
    assert first.y.tolist() == [1, 3, 5] and first.X[:, 0].tolist() == [2, 4.5, 6]
    none = read_csv(path, target=None)
    assert none.y is None and none.X.shape == (3, 3)
    regression = read_csv(write(tmp_path, "a,b\n1,0.5\n2,1.5\n", "r.csv"), target="b")
    assert regression.y.dtype == np.float32 and regression.y.tolist() == [0.5, 1.5]
    forced = read_csv(write(tmp_path, "1,2\n3,4\n", "h.csv"), header=True)
    assert forced.feature_names == ["1"] and forced.X.tolist() == [[3]]
    semicolons = read_csv(write(tmp_path, "x;y\n1;2\n", "s.csv"), delimiter=";", target="y")
    assert semicolons.X.tolist() == [[1]] and semicolons.y.tolist() == [2]


@pytest.mark.parametrize(
    "text, kwargs, message",
    [
        ("a,b,c\n1,2,3\n4,5\n", {}, r"data.csv, line 3: expected 3 fields \(as in the header\), got 2"),
        ("1,2,3\n4,5,6,7\n", {}, r"data.csv, line 2: expected 3 fields \(as in the first row\), got 4"),
        ("a,b,c\n1,2,3\n4,x,6\n", {}, r"data.csv, line 3, column 'b' \(1\): expected a number, got 'x'"),
        ("a,b,c\n1,,3\n", {}, r"data.csv, line 2, column 'b' \(1\): empty value; expected a number"),
        ("a,b,c\n1,nan,3\n", {}, r"line 2, column 'b' \(1\): expected a finite number, got 'nan'"),
        ("a,b,c\n1,2,\n", {}, r"line 2, column 'c' \(2\): empty target value"),
        ("", {}, "empty CSV file"),
        ("\n# only a comment\n", {}, "empty CSV file"),
        ("a,b\n", {}, r"no data rows after the header \(line 1\)"),
        ("a,b\n1,2\n", {"target": "z"}, r"no column 'z' in the header; the columns are \['a', 'b'\]"),
        ("1,2\n", {"target": "z"}, "names a column, but the file has no header row"),
        ("1,2\n", {"target": 5}, "target column index 5 is out of range for 2 columns"),
        ('a,"b\n1,2\n', {}, "data.csv"),
    ],
)
def test_malformed_csv(tmp_path, text, kwargs, message):
    path = write(tmp_path, text)
    with pytest.raises(DataFileError, match=message) as info:
        read_csv(path, **kwargs)
    assert str(path) in str(info.value)


def test_csv_missing_file_bad_encoding_and_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv: no such file"):
        read_csv(tmp_path / "nope.csv")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00a,b")
    with pytest.raises(DataFileError, match="not a UTF-8 text file"):
        read_csv(binary)
    with pytest.raises(ValueError, match="header must be one of True, False, 'auto', got 'yes'"):
        read_csv(binary, header="yes")
    with pytest.raises(ValueError, match="header must be one of True, False, 'auto', got 1"):
        read_csv(binary, header=1)  # once taken for "no header", as `header is True` failed
    with pytest.raises(ValueError, match="dtype must be float32 or float64, got int32"):
        read_csv(binary, dtype=np.int32)


def test_npz_round_trip(tmp_path):
    path = tmp_path / "d.npz"
    X, y = np.arange(12, dtype=np.float32).reshape(3, 4), np.array([0, 1, 0])
    np.savez_compressed(path, X=X, y=y)
    arrays = read_npz(path)
    np.testing.assert_array_equal(arrays["X"], X)
    np.testing.assert_array_equal(arrays["y"], y)
    data = read_npz_xy(path)
    assert data.X.shape == (3, 4) and data.y.tolist() == [0, 1, 0]


def test_npz_object_array_is_refused_without_unpickling(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, X=np.zeros(3), names=np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(
        DataFileError, match=r"member 'names' is an object array \(dtype object\); loading it would need pickle"
    ):
        read_npz(path)


def npz_with_member(tmp_path, name, payload):
    path = tmp_path / "crafted.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(name, payload)
    return path


def npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def test_npz_declared_shape_must_match_the_bytes(tmp_path):
    good = npy_bytes(np.zeros((4, 4), dtype=np.float64))
    header_end = good.index(b"\n") + 1
    # Claim a shape of 10^12 elements: refused from the header, nothing allocated.
    huge = good[:header_end].replace(b"(4, 4)", b"(1000000, 1000000)")
    huge = huge[: header_end - 1].ljust(header_end - 1) + b"\n"
    path = npz_with_member(tmp_path, "X.npy", huge + good[header_end:])
    with pytest.raises(
        DataFileError,
        match=r"member 'X' declares shape \(1000000, 1000000\) of float64 \(8000000000000 bytes\), but holds 128 bytes",
    ):
        read_npz(path)
    path = npz_with_member(tmp_path, "X.npy", good[:-8])
    with pytest.raises(DataFileError, match="holds 120 bytes of data"):
        read_npz(path)


@pytest.mark.parametrize(
    "name, payload, message",
    [
        ("X.npy", b"not an array", r"member 'X.npy' is not a .npy array \(bad magic\)"),
        ("X.npy", b"\x93NUMPY\x09\x00\x10\x00", "unknown .npy format version 9.0"),
        ("X.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': oops}  \n", "malformed .npy header"),
        ("notes.txt", b"hello", "member 'notes.txt' is not a .npy array"),
    ],
)
def test_npz_malformed_members(tmp_path, name, payload, message):
    with pytest.raises(DataFileError, match=message):
        read_npz(npz_with_member(tmp_path, name, payload))


def test_npz_not_a_zip_missing_and_keys(tmp_path):
    path = tmp_path / "x.npz"
    path.write_bytes(b"PK but not really a zip")
    with pytest.raises(DataFileError, match="not an .npz file"):
        read_npz(path)
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_npz(tmp_path / "missing.npz")
    np.savez(path, X=np.zeros((3, 2)), y=np.zeros(2))
    with pytest.raises(DataFileError, match=r"no array 'labels' in the archive; it holds \['X', 'y'\]"):
        read_npz_xy(path, y="labels")
    with pytest.raises(DataFileError, match=r"one row per sample each, got shapes \(3, 2\) and \(2,\)"):
        read_npz_xy(path)


def test_a_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("sepal_length,petal_length,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n", encoding="utf-8-sig")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    data = read_csv(path, target="species")
    assert data.feature_names == ["sepal_length", "petal_length"] and data.y.tolist() == [0, 1]
    numbers = tmp_path / "numbers.csv"
    numbers.write_text("size,survival\n0.5,3.2\n2.3,1.9\n", encoding="utf-8-sig")
    first = read_csv(numbers, target="size", dtype=np.float64)  # the first column, by name
    assert first.y.tolist() == [0.5, 2.3] and first.feature_names == ["survival"]
    from deltanet.data.readers import csv_columns

    assert csv_columns(path) == (["sepal_length", "petal_length", "species"], 3)


@pytest.mark.parametrize(
    "value, kwargs, message",
    [
        ("1e999", {}, r"line 3, column 'b' \(1\): '1e999' overflows: it is beyond the largest float64 number"),
        ("-1e999", {"dtype": np.float64}, r"line 3, column 'b' \(1\): '-1e999' overflows"),
        ("1e39", {}, r"line 3, column 'b' \(1\): '1e39' is beyond the largest float32 number, ±3.4e\+38"),
        ("inf", {}, r"line 3, column 'b' \(1\): expected a finite number, got 'inf'"),
    ],
)
def test_a_value_beyond_the_dtype_names_file_line_and_column(tmp_path, value, kwargs, message):
    path = write(tmp_path, f"a,b,c\n1,2,3\n4,{value},6\n")
    with pytest.raises(DataFileError, match=message) as info:
        read_csv(path, **kwargs)
    assert str(path) in str(info.value)
    target = write(tmp_path, f"a,b\n1,2\n4,{value}\n", "t.csv")  # a regression target too
    with pytest.raises(DataFileError, match=message):
        read_csv(target, target="b", **kwargs)


def test_1e39_fits_float64(tmp_path):
    assert read_csv(write(tmp_path, "a,b\n1,1e39\n"), target=None, dtype=np.float64).X[0, 1] == 1e39


def test_classes_map_names_through_a_given_list(tmp_path):
    path = write(tmp_path, "x,kind\n1,gamma\n2,beta\n3,gamma\n")
    assert read_csv(path, target="kind").y.tolist() == [1, 0, 1]  # the file's own classes, sorted
    data = read_csv(path, target="kind", classes=["alpha", "beta", "gamma"])
    assert data.y.tolist() == [2, 1, 2] and data.target_names == ["alpha", "beta", "gamma"]
    with pytest.raises(DataFileError, match=r"line 2, column 'kind' \(1\): unknown class 'gamma'; the classes are"):
        read_csv(path, target="kind", classes=["alpha", "beta"])
    numbers = write(tmp_path, "x,label\n1,0\n2,2\n", "n.csv")
    assert read_csv(numbers, target="label", classes=["a", "b", "c"]).y.tolist() == [0, 2]  # numbers stay numbers
    digits = write(tmp_path, "x,label\n1,3\n2,0\n", "d.csv")
    assert read_csv(digits, target="label", classes=["0", "1", "2", "3"]).y.tolist() == [3, 0]
    with pytest.raises(ValueError, match="read_csv: classes must be a list of class names, got 'abc'"):
        read_csv(path, target="kind", classes="abc")


def test_features_pick_columns_by_name(tmp_path):
    path = write(tmp_path, "b,kind,a\n2,x,1\n4,y,3\n")
    data = read_csv(path, target=None, features=["a", "b"])  # the target column is not read
    assert data.X.tolist() == [[1, 2], [3, 4]] and data.feature_names == ["a", "b"] and data.y is None
    assert read_csv(path, target="kind", features=["a"]).y.tolist() == [0, 1]
    with pytest.raises(DataFileError, match=r"no column 'c' in the header; the columns are \['b', 'kind', 'a'\]"):
        read_csv(path, target=None, features=["a", "c"])
    with pytest.raises(DataFileError, match="cannot be both the target and a feature"):
        read_csv(path, target="a", features=["a"])
    with pytest.raises(DataFileError, match="the feature columns are given by name"):
        read_csv(write(tmp_path, "1,2\n3,4\n", "n.csv"), target=None, features=["a"])


def test_a_column_named_twice_is_not_picked_by_name(tmp_path):
    # header "a,b,a,y": target="a" or features=["a"] took the first "a" silently
    path = tmp_path / "twice.csv"
    path.write_text("a,b,a,y\n1,2,3,0\n4,5,6,1\n")
    with pytest.raises(DataFileError, match=r"column 'a' appears 2 times in the header \(columns 0 and 2\)"):
        read_csv(path, target="a")
    with pytest.raises(DataFileError, match=r"column 'a' appears 2 times"):
        read_csv(path, target="y", features=["a", "b"])
    assert read_csv(path, target="y").X.shape == (2, 3)  # by position, both are read
    assert read_csv(path, target=3, features=None).feature_names == ["a", "b", "a"]
