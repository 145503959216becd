"""Layer 7: tools that check and explain training (gradient checks for now)."""

from deltanet.diagnostics.gradcheck import GradcheckError, gradcheck

__all__ = ["GradcheckError", "gradcheck"]
