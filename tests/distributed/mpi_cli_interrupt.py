"""Run under ``mpiexec -n 2`` with a config and a run folder: ``deltanet train CONFIG --run-dir RUN
--epochs 5``, ended by an error on rank 0 at the end of the third epoch, before that epoch's
checkpoint (as a job ends at its time limit): the folder holds an unfinished run whose last
checkpoint is the second epoch's, for ``mpiexec -n 2 deltanet train --resume RUN``.
"""

from __future__ import annotations

import sys

import deltanet as dn
from deltanet.cli import main


class EndOfJob(dn.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 2 and dn.distributed.get_rank() == 0:
            raise RuntimeError("the job ends here")


fit = dn.fit
dn.fit = lambda *args, **kwargs: fit(*args, **{**kwargs, "callbacks": [*kwargs["callbacks"], EndOfJob()]})
sys.exit(main(["train", sys.argv[1], "--run-dir", sys.argv[2], "--epochs", "5"]))
