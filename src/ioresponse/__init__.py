"""ioresponse: immunotherapy response assessment under every criterion, with the reason for every call."""

from ioresponse.api import Result, assess, compare, load, run
from ioresponse.criteria import Study

__all__ = ["Result", "Study", "assess", "compare", "load", "run"]
__version__ = "0.1.0"
