"""RELIABILITY.md item 8: a process killed with SIGKILL while it saves leaves the previous file
loadable under the final name (and at most a temporary file beside it)."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import deltanet as dn

SAVER = textwrap.dedent(
    """
    import sys
    import numpy as np
    import deltanet as dn

    path = sys.argv[1]
    model = dn.nn.Sequential(dn.nn.Linear(256, 512), dn.nn.ReLU(), dn.nn.Linear(512, 256))
    i = 0
    while True:
        for p in model.parameters():
            p.data[...] = i  # version i: every weight equals i
        dn.save(model, path)
        i += 1
        if i == 1:
            print("saved", flush=True)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_sigkill_during_save_leaves_a_loadable_file(tmp_path):
    path = tmp_path / "model.dnet"
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    rng = np.random.default_rng(0)
    versions = []
    for _ in range(4):
        proc = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "saved"
            time.sleep(float(rng.uniform(0.05, 0.3)))  # somewhere in the middle of later saves
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
        model = dn.load(path)  # the last complete save, whole
        weights = np.concatenate([p.data.ravel() for p in model.parameters()])
        assert np.all(weights == weights[0]), "a mix of two saves"
        versions.append(float(weights[0]))
        leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("model.dnet", "saver.py")]
        assert all(name.startswith(".model.dnet.") and name.endswith(".tmp") for name in leftovers), leftovers
        for name in leftovers:
            (tmp_path / name).unlink()
    assert max(versions) >= 1  # the loop was really saving over an existing file when killed
