"""ioresponse: immunotherapy response assessment under every criterion, with the reason for every call."""

__version__ = "0.1.0"
