"""Format versions: a model file written by the first release (config.json version 1, byte for
byte as main wrote it before saved dicts existed) still loads; files of other versions are refused
with the versions this release reads."""

import base64
import json

import numpy as np
import pytest
from tests.io._craft import build, members, npy_bytes, with_config

import deltanet as dn
from deltanet.io import CheckpointError

# dn.save(Sequential(Linear(2, 2, rng=0), LeakyReLU(0.2), Linear(2, 1, rng=1)), path, optimizer=SGD
# with momentum 0.9 after one step on ones((1, 2))), written by deltanet at commit 6a7d2ad.
V1_FILE = base64.b64decode(
    "UEsDBBQAAAAIAAAAIQBY6LComQEAAMQEAAALAAAAY29uZmlnLmpzb26tU7FugzAQ3fkK5BkhIFM7V+qSqVWnKkKXcKRWjU2NSUsj"
    "/r32GUhI2iaqumDu3fM7++55H4SsVLoCw25DVqAwINGwyMI71A1X0uKpC8dcfsBZEqdxQuRK2byF9kEYso2ApnH5R3xrURoOwpFs"
    "QsmSbwdayAR0VsuGzy704PH2JZcImraGZ7sdwmVeIphWo+Nn0Yir1nyfWHNwgNEtRgcR7i4vWyEmTEtXJ5niwnQ1DiSP9bT00Q8n"
    "R3jtHnD59MvhJW7B8B3mjVAknsTZVdr/1JX0j11JL3fFfVcB/fTknYHISqHALDKyzDvy7YsZx2+95AHvlCSmQ9F/NstkPhOEKyei"
    "asMr/on63Hv3d35DDRqqXEKFk9XmxWbVTsod1aOCo9xWq7ae9HzrmdA0xaFB9k1U1vxtReDNABZQ1Si591c8OGzoRV7gBrpZQmJj"
    "UKudBUsQDY7S8EHXPoHpbIcHNRl4HNnohQUtbkI0K3+xxoBxgnsyHgOtoWumt5pMqtO98nVblrbzNG3frPQqVnYVa3GBNfgr6L8A"
    "UEsDBBQAAAAAAAAAIQBX+fhWkAAAAJAAAAAUAAAAd2VpZ2h0cy8wLndlaWdodC5ucHmTTlVNUFkBAHYAeydkZXNjcic6ICc8ZjQn"
    "LCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg"
    "ICAgICAgICAgICAgICAgICAgICAgICAgICAgCjehRD5XjKe+cXIpvyJMMr9QSwMEFAAAAAAAAAAhABt79cOIAAAAiAAAABIAAAB3"
    "ZWlnaHRzLzAuYmlhcy5ucHmTTlVNUFkBAHYAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUn"
    "OiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCtX54T76"
    "KxI/UEsDBBQAAAAAAAAAIQAIN5X9iAAAAIgAAAAUAAAAd2VpZ2h0cy8yLndlaWdodC5ucHmTTlVNUFkBAHYAeydkZXNjcic6ICc8"
    "ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMSwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAg"
    "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCobha7zJ6yY/UEsDBBQAAAAAAAAAIQBTCbJQhAAAAIQAAAASAAAAd2VpZ2h0"
    "cy8yLmJpYXMubnB5k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEs"
    "KSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqRbRq/UEsDBBQA"
    "AAAAAAAAIQBXad9XkAAAAJAAAAAfAAAAb3B0aW1pemVyLzAubW9tZW50dW1fYnVmZmVyLm5weZNOVU1QWQEAdgB7J2Rlc2NyJzog"
    "JzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCAyKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAg"
    "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAK0vSIPNL0iDzedwI+3ncCPlBLAwQUAAAAAAAAACEAStPviogAAACIAAAA"
    "HwAAAG9wdGltaXplci8xLm1vbWVudHVtX2J1ZmZlci5ucHmTTlVNUFkBAHYAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRl"
    "cic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg"
    "ICAgICAgICAgICAgCtL0iDzedwI+UEsDBBQAAAAAAAAAIQD0xo1WiAAAAIgAAAAfAAAAb3B0aW1pemVyLzIubW9tZW50dW1fYnVm"
    "ZmVyLm5weZNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgxLCAyKSwg"
    "fSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKfU+fPhZuGb5QSwMEFAAA"
    "AAAAAAAhAFE2V3OEAAAAhAAAAB8AAABvcHRpbWl6ZXIvMy5tb21lbnR1bV9idWZmZXIubnB5k05VTVBZAQB2AHsnZGVzY3InOiAn"
    "PGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAg"
    "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/UEsDBBQAAAAIAAAAIQAnjmtcHwIAAOIEAAANAAAAbWFuaWZlc3Qu"
    "anNvbp2U0W5bMQiG7/sU0bmuOsA2NnuZyQbcZlqSKkk3bVXffZz2YlKTTdWkc2Ej5P+DH87zzWaZh+Oun5fPm8X827nv/bzcRvi7"
    "H0/bwz7iuF53vhsRievzzWaz6GE/t/d3X0+vGWtos5y2v3xNJ4Lbt8BDp8Lry40JU6ttwLSsldiY3Bu4NpAEjKqjiaFl69wHK1Sw"
    "0lRG74ial3jvZX10+eHb+4fz6RPcvZ3u9o8/Lwhyfg9AWnrXUXBU6Jw4FfScpdSiwjxlYK7Ks4I6UFJcszGzsNPMRfs1gLHtp6vy"
    "id/LSzaYCC1HiVN0JhtGkqlDRUwV1kZEnaSIXAsYljHRsWmzTEzlUp7+Vf8lQJ7gZmVgFbbqDlIgzWqppsIdo/SSsvZwSNxaHNzy"
    "rI1Yco5uwTWAv9dP7+UNyaMFLBpsrVVSaYCVa4NRrfs0ULPhVgHVc+sjXJpQGjlCePFH/vB43u5C5xgG7A4735+fdl/G05x+/OAo"
    "pFAZ1FNzjQlM0jTmwGej0sRnisp7ilyqJknKaCQ1O7GGH55sjmss+CGWS1sSm1NmVe1FYToPTca5k+GYxlxVc53VU6kgM411Oxi8"
    "M+sErvkaC/0nC3jyLDhiPjSFBGXSAQBC4QThSKgAaMLEUPLIgatVYkOTN2lTrrGkj7FczEtOwsOFoRp0ie0ZvTQfFPNADTuA9djo"
    "kjUTEIkXit9HRFvXmKCBryw38b38BlBLAQIUAxQAAAAIAAAAIQBY6LComQEAAMQEAAALAAAAAAAAAAAAAACkAQAAAABjb25maWcu"
    "anNvblBLAQIUAxQAAAAAAAAAIQBX+fhWkAAAAJAAAAAUAAAAAAAAAAAAAACkAcIBAAB3ZWlnaHRzLzAud2VpZ2h0Lm5weVBLAQIU"
    "AxQAAAAAAAAAIQAbe/XDiAAAAIgAAAASAAAAAAAAAAAAAACkAYQCAAB3ZWlnaHRzLzAuYmlhcy5ucHlQSwECFAMUAAAAAAAAACEA"
    "CDeV/YgAAACIAAAAFAAAAAAAAAAAAAAApAE8AwAAd2VpZ2h0cy8yLndlaWdodC5ucHlQSwECFAMUAAAAAAAAACEAUwmyUIQAAACE"
    "AAAAEgAAAAAAAAAAAAAApAH2AwAAd2VpZ2h0cy8yLmJpYXMubnB5UEsBAhQDFAAAAAAAAAAhAFdp31eQAAAAkAAAAB8AAAAAAAAA"
    "AAAAAKQBqgQAAG9wdGltaXplci8wLm1vbWVudHVtX2J1ZmZlci5ucHlQSwECFAMUAAAAAAAAACEAStPviogAAACIAAAAHwAAAAAA"
    "AAAAAAAApAF3BQAAb3B0aW1pemVyLzEubW9tZW50dW1fYnVmZmVyLm5weVBLAQIUAxQAAAAAAAAAIQD0xo1WiAAAAIgAAAAfAAAA"
    "AAAAAAAAAACkATwGAABvcHRpbWl6ZXIvMi5tb21lbnR1bV9idWZmZXIubnB5UEsBAhQDFAAAAAAAAAAhAFE2V3OEAAAAhAAAAB8A"
    "AAAAAAAAAAAAAKQBAQcAAG9wdGltaXplci8zLm1vbWVudHVtX2J1ZmZlci5ucHlQSwECFAMUAAAACAAAACEAJ45rXB8CAADiBAAA"
    "DQAAAAAAAAAAAAAApAHCBwAAbWFuaWZlc3QuanNvblBLBQYAAAAACgAKAKwCAAAMCgAAAAA="
)
V1_OUTPUT = -0.00504690408706665  # model(tensor([[0.5, -1.0]])) when it was saved


def test_a_version_1_file_from_the_first_release_loads(tmp_path):
    path = tmp_path / "v1.dnet"
    path.write_bytes(V1_FILE)
    ckpt = dn.io.load_checkpoint(path)
    model = ckpt.model
    assert repr(model) == repr(dn.nn.Sequential(dn.nn.Linear(2, 2), dn.nn.LeakyReLU(0.2), dn.nn.Linear(2, 1)))
    x = dn.tensor(np.array([[0.5, -1.0]], dtype=np.float32))
    assert model(x).item() == pytest.approx(V1_OUTPUT, abs=0)
    assert ckpt.optimizer_class == "SGD" and sorted(ckpt.optimizer_state["state"]) == [0, 1, 2, 3]
    opt = dn.optim.SGD(model.parameters(), lr=1.0)
    opt.load_state_dict(ckpt.optimizer_state)
    assert opt.param_groups[0]["momentum"] == 0.9 and opt.param_groups[0]["lr"] == 0.1
    assert isinstance(dn.load(path), dn.nn.Sequential)


def test_a_model_file_is_still_written_as_version_1(tmp_path):
    """Earlier releases read what this one writes for a model (the layout did not change)."""
    dn.save(dn.nn.Linear(2, 2, rng=0), tmp_path / "m.dnet")
    config = json.loads(members(tmp_path / "m.dnet")["config.json"])
    manifest = json.loads(members(tmp_path / "m.dnet")["manifest.json"])
    assert config["version"] == 1 and manifest["version"] == 1 and "content" not in config


def test_a_version_1_file_built_member_by_member_loads(tmp_path):
    """The version 1 layout written out by hand: config.json, weights/<key>.npy, manifest.json."""
    weight = np.array([[1.0, -2.0]], dtype=np.float32)
    bias = np.array([0.5], dtype=np.float32)
    config = {
        "format": "deltanet",
        "version": 1,
        "deltanet_version": "0.1.0",
        "model": {"class": "Linear", "config": {"in_features": 2, "out_features": 1, "bias": True}},
        "dtype": "float32",
        "weights": ["weight", "bias"],
    }
    items = [
        ("config.json", json.dumps(config).encode()),
        ("weights/weight.npy", npy_bytes(weight)),
        ("weights/bias.npy", npy_bytes(bias)),
    ]
    (tmp_path / "hand.dnet").write_bytes(build(items))
    model = dn.load(tmp_path / "hand.dnet")
    assert model(dn.tensor([[1.0, 1.0]])).item() == -0.5


@pytest.mark.parametrize("version", [0, 3, 99, "1", 1.5, True, None])
def test_other_versions_are_refused_with_the_versions_this_release_reads(version, tmp_path):
    path = tmp_path / "v1.dnet"
    path.write_bytes(V1_FILE)
    items = with_config(list(members(path).items()), lambda c: c.update(version=version))
    (tmp_path / "bad.dnet").write_bytes(build(items))
    with pytest.raises(
        CheckpointError,
        match=r"config.json: unknown format version .*; this deltanet reads versions 1 \(a model\) and 2 \(a saved",
    ):
        dn.load(tmp_path / "bad.dnet")


def test_a_version_2_file_must_be_a_saved_dict(tmp_path):
    path = tmp_path / "v1.dnet"
    path.write_bytes(V1_FILE)
    items = with_config(list(members(path).items()), lambda c: c.update(version=2))
    (tmp_path / "bad.dnet").write_bytes(build(items))
    with pytest.raises(CheckpointError, match=r"config.json: unknown field\(s\) \['dtype', 'model'"):
        dn.load(tmp_path / "bad.dnet")
