"""vae-vs-gan: the library the notebooks share (config, data, models, metrics, plots, runs)."""

__version__ = "0.1.0"
