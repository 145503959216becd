"""``deltanet.backends`` and the float32 matmul precision: PyTorch's switches, read back and checked."""

import subprocess
import sys

import pytest

import deltanet as dn


@pytest.fixture
def restore_switches():
    cudnn, matmul = dn.backends.cudnn, dn.backends.cuda.matmul
    before = ({k: getattr(cudnn, k) for k in cudnn._DEFAULTS}, dn.get_float32_matmul_precision())
    before_reduced = matmul.allow_fp16_reduced_precision_reduction
    yield
    for k, v in before[0].items():
        setattr(cudnn, k, v)
    dn.set_float32_matmul_precision(before[1])
    matmul.allow_fp16_reduced_precision_reduction = before_reduced


def test_import_paths_work_as_pytorchs():
    """``import torch.backends.cudnn as cudnn`` after the rename, in a fresh interpreter."""
    code = (
        "import deltanet.backends.cudnn as cudnn\n"
        "from deltanet.backends import cuda, mps\n"
        "import deltanet.backends\n"
        "import deltanet as dn\n"
        "cudnn.benchmark = True\n"
        "assert dn.backends.cudnn.benchmark is True and dn.backends.cudnn is cudnn\n"
        "assert cuda is dn.backends.cuda and not mps.is_available()\n"
        "from deltanet.cuda.amp import GradScaler, autocast\n"
        "from deltanet.cpu.amp import autocast as cpu_autocast\n"
        "import deltanet.jit, deltanet.amp\n"
        "from deltanet.optim.swa_utils import AveragedModel\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_switches_read_back_and_refuse_typos(restore_switches):
    cudnn = dn.backends.cudnn
    cudnn.benchmark, cudnn.deterministic, cudnn.enabled = True, True, False
    assert (cudnn.benchmark, cudnn.deterministic, cudnn.enabled) == (True, True, False)
    assert cudnn.version() is None and not cudnn.is_available()
    with pytest.raises(AttributeError, match="no switch 'benchmak'"):
        cudnn.benchmak = True
    with pytest.raises(ValueError, match="benchmark must be True or False, got 'yes'"):
        cudnn.benchmark = "yes"
    matmul = dn.backends.cuda.matmul
    matmul.allow_fp16_reduced_precision_reduction = False
    assert matmul.allow_fp16_reduced_precision_reduction is False
    with pytest.raises(ValueError, match="allow_tf32 must be True or False"):
        matmul.allow_tf32 = 1
    with pytest.raises(AttributeError, match="no switch 'allow_tf33'"):
        matmul.allow_tf33 = True
    assert not dn.backends.cuda.is_built() and not dn.backends.mps.is_built()
    dn.backends.cuda.enable_flash_sdp(False)
    assert not dn.backends.cuda.flash_sdp_enabled()
    dn.backends.cuda.enable_flash_sdp(True)
    assert dn.backends.cuda.math_sdp_enabled() and dn.backends.cuda.mem_efficient_sdp_enabled()


def test_matmul_precision_is_the_other_face_of_allow_tf32(restore_switches):
    assert dn.get_float32_matmul_precision() == "highest"
    assert dn.backends.cuda.matmul.allow_tf32 is False
    dn.set_float32_matmul_precision("high")
    assert dn.backends.cuda.matmul.allow_tf32 is True
    dn.set_float32_matmul_precision("medium")
    assert dn.get_float32_matmul_precision() == "medium"
    dn.backends.cuda.matmul.allow_tf32 = False
    assert dn.get_float32_matmul_precision() == "highest"
    dn.backends.cuda.matmul.allow_tf32 = True
    assert dn.get_float32_matmul_precision() == "high"
    with pytest.raises(ValueError, match="precision must be one of"):
        dn.set_float32_matmul_precision("fast")
    with pytest.raises(ValueError, match="precision must be one of"):
        dn.set_float32_matmul_precision(3)


def test_precision_changes_no_result(restore_switches):
    a = dn.tensor([[1.0 + 2**-20, 3.0], [5.0, 7.0]])
    before = (a @ a).tolist()
    dn.set_float32_matmul_precision("medium")
    assert (a @ a).tolist() == before


def test_defaults_are_pytorchs():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this PyTorch has a GPU")
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        assert getattr(dn.backends.cudnn, name) == getattr(torch.backends.cudnn, name), name
    m, tm = dn.backends.cuda.matmul, torch.backends.cuda.matmul
    assert m.allow_fp16_reduced_precision_reduction == tm.allow_fp16_reduced_precision_reduction
    assert m.allow_bf16_reduced_precision_reduction == tm.allow_bf16_reduced_precision_reduction
    assert dn.backends.cuda.is_built() == torch.backends.cuda.is_built()
    assert dn.backends.cudnn.version() == torch.backends.cudnn.version()


def test_sdp_kernel_sets_and_restores_and_mkldnn():
    cuda = dn.backends.cuda
    with pytest.warns(FutureWarning, match=r"torch.backends.cuda.sdp_kernel\(\)` is deprecated"):
        with cuda.sdp_kernel(enable_flash=False, enable_mem_efficient=False):
            assert not cuda.flash_sdp_enabled() and not cuda.mem_efficient_sdp_enabled() and cuda.math_sdp_enabled()
    assert cuda.flash_sdp_enabled() and cuda.mem_efficient_sdp_enabled()
    with pytest.raises(ValueError, match="enabled must be True or False"), pytest.warns(FutureWarning):
        with cuda.sdp_kernel(enable_flash="no"):
            pass
    assert cuda.flash_sdp_enabled()
    assert dn.backends.mkldnn.enabled is True and not dn.backends.mkldnn.is_available()
    with pytest.raises(AttributeError, match="no switch 'enable'"):
        dn.backends.mkldnn.enable = False


def test_torch_mps_answers_as_pytorch_without_mps():
    assert not dn.mps.is_available() and dn.mps.device_count() == 0
    dn.mps.manual_seed(0)
    for call in ("empty_cache", "synchronize"):
        with pytest.raises(RuntimeError, match=rf"torch.mps.{call}\(\): deltanet has no MPS backend"):
            getattr(dn.mps, call)()
