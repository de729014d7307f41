"""realpolitik: world news in, structured international politics out."""

__version__ = "0.1.0"
