"""ioresponse: immunotherapy response assessment under every criterion, with the reason for every call.

The public names are imported on first use (PEP 562 module ``__getattr__``): ``import ioresponse.cli`` for
``ioresponse --version`` or ``--help`` then loads neither pandas nor the criteria, the cohort statistics
or the plotting libraries; ``ioresponse.assess(...)`` and ``from ioresponse import assess`` work as
before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ioresponse._lazy import lazy_names

if TYPE_CHECKING:  # what type checkers and editors see
    from ioresponse.api import Result, assess, compare, load, run
    from ioresponse.criteria import Study

__all__ = ["Result", "Study", "assess", "compare", "load", "run"]
__version__ = "0.1.0"

_HOMES = {"Result": "ioresponse.api", "assess": "ioresponse.api", "compare": "ioresponse.api",
          "load": "ioresponse.api", "run": "ioresponse.api", "Study": "ioresponse.criteria"}
"""The module each name of :data:`__all__` is imported from."""

__getattr__ = lazy_names(__name__, _HOMES)
