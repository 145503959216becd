"""One rank of a port program with ``WORLD_SIZE > 1`` (``tests/port/programs``), for
``test_torch_ddp_port.py``: ``python port_ddp_runner.py torch|deltanet PROGRAM WEIGHTS OUT``.

PyTorch: started twice with torchrun's environment (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``,
``MASTER_PORT``); rank 0 writes its initial weights to ``WEIGHTS`` (``.npz``). deltanet: started by
``mpiexec``, the program renamed; rank 0 loads ``WEIGHTS``. Each rank seeds its own model with its
rank, so the runs agree only when DDP makes every rank start from rank 0's weights. Each rank writes
the program's result to ``OUT/<library>_<rank>.json``.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.port.test_port import load, rename_imports  # noqa: E402


def main(library: str, program: str, weights: str, out: str) -> None:
    path = Path(program)
    source = path.read_text(encoding="utf-8")
    workdir = Path(out) / library
    workdir.mkdir(exist_ok=True)
    if library == "torch":
        import torch

        rank = int(os.environ["RANK"])
        torch.manual_seed(rank)
        module = load(path, source, "port_torch_ddp")
        model = module.build_model()
        if rank == 0:
            np.savez(weights, **{k: v.detach().numpy() for k, v in model.state_dict().items()})
    else:
        from mpi4py import MPI

        import deltanet as dn

        rank = MPI.COMM_WORLD.Get_rank()
        dn.manual_seed(rank)
        module = load(path, rename_imports(source), "port_deltanet_ddp")
        model = module.build_model()
        if rank == 0:
            with np.load(weights) as saved:
                model.load_state_dict({k: saved[k] for k in saved.files})
    result = module.run(model, str(workdir))
    (Path(out) / f"{library}_{rank}.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:5])
