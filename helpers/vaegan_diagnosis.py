"""Why a VAE-GAN fails, measured: the posterior against the prior, the discriminator's
accuracy, the decoder's gradient per loss term (`diagnose`, recorded after every epoch), and
the test-set losses of the export (`evaluate_test_set`). They take the trained
`helpers.vaegan.VAEGAN` as an argument and import no model module.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

# After every epoch, with config.diagnose_images > 0: `diagnose` of that many test images,
# reduced to scalars (means over the latent dimensions), timed apart from training.
DIAGNOSIS_KEYS = (
    "diag_mean_abs_posterior_mean",  # mean over dims of |mean over x of E[z|x]| (prior: 0)
    "diag_spread_of_posterior_means",  # mean over dims of the std over x of E[z|x]
    "diag_mean_sigma",  # mean over x and dims of the posterior std (prior: 1)
    "diag_aggregate_variance",  # mean over dims of Var(E[z|x]) + E[sigma^2] (prior: 1)
    "diag_d_accuracy_real",  # share of real test images D calls real (inference mode)
    "diag_d_accuracy_reconstruction",  # share of Dec(E[z|x]) D calls fake
    "diag_d_accuracy_prior",  # share of Dec(z_p) D calls fake
    "diag_grad_feature",  # norm at the decoder's weights of gamma * feature_weight * feature
    "diag_grad_pixel",  # ... of gamma * pixel_weight * pixel term
    "diag_grad_gan_reconstruction",  # ... of -log D(x~)
    "diag_grad_gan_prior",  # ... of -log D(x_p)
)
GRADIENT_TERMS = ("feature", "pixel", "gan_reconstruction", "gan_prior")
# Seed streams of the evaluation noise, above every stream the training noise uses
TEST_NOISE_STREAM = 2**30 + 3
DIAGNOSIS_NOISE_STREAM = 2**30 + 5


def diagnose(model, images: np.ndarray, batch_size: int = 1000) -> dict:
    """Posterior vs prior, D's accuracy, and the decoder's gradient per loss term, for images
    float32 [N, 28, 28, 1] in [-1, 1] (test images). Deterministic (noise from the seed).

    Returns a JSON-ready dict:
      posterior: mean_of_means [latent] (mean over x of E[z|x]; prior 0), spread_of_means
        [latent] (std over x of E[z|x]), mean_sigma [latent] (mean posterior std; prior 1),
        aggregate_variance [latent] (Var(E[z|x]) + E[sigma^2], the variance of the aggregate
        posterior q(z) = E_x q(z|x); prior 1), kl (mean KL per image, nats);
      d_accuracy (inference mode): real (share of x called real, logit > 0), reconstruction
        (share of Dec(E[z|x]) called fake), prior (share of Dec(z_p), z_p ~ N(0, I), called fake);
      decoder_gradient_norm: feature, pixel, gan_reconstruction, gan_prior, the norms at the
        decoder's weights of each term as weighted in the decoder's loss, on the first
        `config.batch_size` images in training mode (as the step sees them), BN statistics kept.
    """
    config = model.config
    images = np.asarray(images, np.float32)
    means, log_vars = [], []
    for start in range(0, len(images), batch_size):
        z_mean, z_log_var = model.encoder(images[start : start + batch_size], training=False)
        means.append(np.asarray(z_mean, np.float64))
        log_vars.append(np.asarray(z_log_var, np.float64))
    mu, log_var = np.concatenate(means), np.concatenate(log_vars)
    sigma2 = np.exp(log_var)
    kl = -0.5 * np.sum(1 + log_var - mu**2 - sigma2, axis=1)
    z_prior = np.asarray(
        tf.random.stateless_normal(
            [len(images), config.latent_dim], seed=[config.seed, DIAGNOSIS_NOISE_STREAM]
        )
    )

    def logits(batch_images):
        return np.concatenate(
            [
                np.asarray(model.discriminator(batch_images[i : i + batch_size], training=False)[0])
                for i in range(0, len(batch_images), batch_size)
            ]
        )[:, 0]

    real = logits(images)
    reconstruction = logits(model.decode(mu.astype(np.float32), batch_size))
    prior = logits(model.decode(z_prior, batch_size))

    probe = tf.constant(images[: config.batch_size])
    noise = tf.random.stateless_normal(
        [2, int(probe.shape[0]), config.latent_dim], seed=[config.seed, DIAGNOSIS_NOISE_STREAM + 1]
    )
    # batch-norm moving statistics of all three networks: a training-mode call updates them
    statistics = list(model.networks.non_trainable_variables)
    kept = [v.numpy() for v in statistics]
    norms = model._gradient_norms(probe, noise[0], noise[1])
    for variable, value in zip(statistics, kept, strict=True):
        variable.assign(value)
    return {
        "posterior": {
            "mean_of_means": mu.mean(0).tolist(),
            "spread_of_means": mu.std(0).tolist(),
            "mean_sigma": np.sqrt(sigma2).mean(0).tolist(),
            "aggregate_variance": (mu.var(0) + sigma2.mean(0)).tolist(),
            "kl": float(kl.mean()),
        },
        "d_accuracy": {
            "real": float((real > 0).mean()),
            "reconstruction": float((reconstruction < 0).mean()),
            "prior": float((prior < 0).mean()),
        },
        "decoder_gradient_norm": {name: float(norms[name]) for name in GRADIENT_TERMS},
        "images": int(len(images)),
    }


def diagnosis_scalars(diagnosis: dict) -> dict[str, float]:
    """`diagnose`'s output as the per-epoch history scalars of DIAGNOSIS_KEYS."""
    posterior = diagnosis["posterior"]
    accuracy = diagnosis["d_accuracy"]
    norms = diagnosis["decoder_gradient_norm"]
    return {
        "diag_mean_abs_posterior_mean": float(np.mean(np.abs(posterior["mean_of_means"]))),
        "diag_spread_of_posterior_means": float(np.mean(posterior["spread_of_means"])),
        "diag_mean_sigma": float(np.mean(posterior["mean_sigma"])),
        "diag_aggregate_variance": float(np.mean(posterior["aggregate_variance"])),
        "diag_d_accuracy_real": accuracy["real"],
        "diag_d_accuracy_reconstruction": accuracy["reconstruction"],
        "diag_d_accuracy_prior": accuracy["prior"],
        **{f"diag_grad_{name}": norms[name] for name in GRADIENT_TERMS},
    }


def evaluate_test_set(model, images: np.ndarray, batch_size: int = 500) -> dict[str, float]:
    """Inference-mode means over `images` float32 [N, 28, 28, 1] in [-1, 1]: L_prior, L_llike,
    D's outputs, and the pixel mean squared error (in [0, 1] units) of Dec(E_q[z|x])."""
    config = model.config
    sums: dict[str, float] = {}
    count = 0
    for start in range(0, len(images), batch_size):
        batch = tf.constant(images[start : start + batch_size], tf.float32)
        n = int(batch.shape[0])
        noise = tf.random.stateless_normal(
            [2, n, config.latent_dim], seed=[config.seed, TEST_NOISE_STREAM + start]
        )
        terms = model.loss_terms(batch, noise[0], noise[1], training=False)
        z_mean, _ = model.encoder(batch, training=False)
        mean_images = model.decoder(z_mean, training=False)
        terms["pixel_mse"] = tf.reduce_mean(tf.square((mean_images - batch) / 2.0))
        for key, value in terms.items():
            sums[key] = sums.get(key, 0.0) + float(value) * n
        count += n
    return {key: value / count for key, value in sums.items()}


__all__ = [
    "DIAGNOSIS_KEYS",
    "GRADIENT_TERMS",
    "diagnose",
    "diagnosis_scalars",
    "evaluate_test_set",
]
