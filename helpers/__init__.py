"""vae-vs-gan: the library the notebooks share (config, data, models, metrics, plots, runs).

Every trained model offers the same operations (`helpers.training.GenerativeModel`):

| operation | DCGAN (`helpers.dcgan`) | VAE (`helpers.vae`) | VAE-GAN (`helpers.vaegan`) |
|---|---|---|---|
| build from a config | `build(config)` | `build(config)` | `build(config, start_vae=None)` |
| train, resumable | `helpers.training.train(model, data)` | the same | the same |
| sample | `model.sample(n, seed)` | the same | the same |
| export | `model.export(run, evaluation=None)` -> `ResultsRecord` | the same | the same |
| load the exported model | `load(config, path=None)` | the same | the same |
| encode / decode | - | `model.encode(x)`, `model.decode(z)` | the same |

`build` seeds, resolves the precision the hardware decides (recorded in the record's config)
and takes what the model needs as arguments: the VAE-GAN started from a trained VAE receives
that VAE (`vae.load(vaegan.start_vae_config(config))`); only the run store
(`helpers.runs`, `helpers.record`, `helpers.results`) reads and writes files. The record of
every model is one type (`helpers.record.ResultsRecord`, one writer, one reader); notebook
05's comparison is `helpers.comparison` and its record `ComparisonRecord`. The classifier
whose features score the samples (`helpers.classifier`) is trained and cached apart: it is a
scoring tool with no samples or results record of its own.
"""

__version__ = "0.1.0"
