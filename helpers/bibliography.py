"""The report's references: one entry per work the report cites (`REFERENCES`), its in-text
label (`LABELS`), `cite` for an in-text citation such as "[Heusel et al. 2017]", and
`bibliography_markdown` for the numbered reference list that closes the report.

    cite("heusel2017", "binkowski2018")  # "[Heusel et al. 2017; Bińkowski et al. 2018]"

A label is how the text names the work: "Surname YEAR", "Surname & Surname YEAR" or
"Surname et al. YEAR" ("n.d." for no known year), or a name such as "TensorFlow DCGAN tutorial"
for a web page. tests/test_bibliography.py checks that every citation in the notebooks and in
helpers/ resolves to exactly one entry with the same label and year, and that every entry is
cited.
"""

from __future__ import annotations

REFERENCES: dict[str, str] = {
    "jalam": 'S. M. Jalam. "VAEs vs GANs: Comparison of Generative Models." Course-project '
    "report, n.d. (the paper reproduced here; no venue, year or public link is known, and its "
    "original code, a Colab notebook, is not available).",
    "lecun1998": 'Y. LeCun, C. Cortes, C. J. C. Burges. "The MNIST database of handwritten '
    'digits." 1998.',
    "goodfellow2014": "I. Goodfellow, J. Pouget-Abadie, M. Mirza, B. Xu, D. Warde-Farley, "
    'S. Ozair, A. Courville, Y. Bengio. "Generative Adversarial Nets." NeurIPS 2014.',
    "radford2015": 'A. Radford, L. Metz, S. Chintala. "Unsupervised Representation Learning '
    'with Deep Convolutional Generative Adversarial Networks." arXiv:1511.06434, 2015.',
    "tensorflow_dcgan": 'The TensorFlow Authors. "Deep Convolutional Generative Adversarial '
    'Network." TensorFlow tutorial (notebook © 2019), '
    "https://www.tensorflow.org/tutorials/generative/dcgan.",
    "yazici2019": "Y. Yazıcı, C.-S. Foo, S. Winkler, K.-H. Yap, G. Piliouras, V. Chandrasekhar. "
    '"The Unusual Effectiveness of Averaging in GAN Training." ICLR 2019.',
    "kingma2014": 'D. P. Kingma, M. Welling. "Auto-Encoding Variational Bayes." ICLR 2014.',
    "kingma2019": 'D. P. Kingma, M. Welling. "An Introduction to Variational Autoencoders." '
    "Foundations and Trends in Machine Learning 12(4), 2019.",
    "keras_vae": 'F. Chollet. "Variational AutoEncoder." Keras code example (created 2020, last '
    "modified 2024), https://keras.io/examples/generative/vae/.",
    "salakhutdinov2008": 'R. Salakhutdinov, I. Murray. "On the Quantitative Analysis of Deep '
    'Belief Networks." ICML 2008 (stochastically binarised MNIST).',
    "burda2016": 'Y. Burda, R. Grosse, R. Salakhutdinov. "Importance Weighted Autoencoders." '
    "ICLR 2016 (IWAE bound).",
    "larsen2016": 'A. B. L. Larsen, S. K. Sønderby, H. Larochelle, O. Winther. "Autoencoding '
    'beyond pixels using a learned similarity metric." ICML 2016 (arXiv:1512.09300, 2015).',
    "heusel2017": 'M. Heusel, H. Ramsauer, T. Unterthiner, B. Nessler, S. Hochreiter. "GANs '
    'Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium." NeurIPS '
    "2017 (FID).",
    "binkowski2018": 'M. Bińkowski, D. J. Sutherland, M. Arbel, A. Gretton. "Demystifying MMD '
    'GANs." ICLR 2018 (KID).',
    "salimans2016": "T. Salimans, I. Goodfellow, W. Zaremba, V. Cheung, A. Radford, X. Chen. "
    '"Improved Techniques for Training GANs." NeurIPS 2016 (Inception Score).',
    "kynkaanniemi2019": "T. Kynkäänniemi, T. Karras, S. Laine, J. Lehtinen, T. Aila. "
    '"Improved Precision and Recall Metric for Assessing Generative Models." NeurIPS 2019.',
    "naeem2020": 'M. F. Naeem, S. J. Oh, Y. Uh, Y. Choi, J. Yoo. "Reliable Fidelity and '
    'Diversity Metrics for Generative Models." ICML 2020 (density and coverage).',
    "pechpacheco2000": "J. L. Pech-Pacheco, G. Cristóbal, J. Chamorro-Martínez, "
    'J. Fernández-Valdivia. "Diatom autofocusing in brightfield microscopy: a comparative '
    'study." ICPR 2000 (variance of the Laplacian).',
    "theis2016": 'L. Theis, A. van den Oord, M. Bethge. "A note on the evaluation of generative '
    'models." ICLR 2016 (nearest training images as a memorisation check).',
    "efron1979": 'B. Efron. "Bootstrap methods: another look at the jackknife." The Annals of '
    "Statistics 7(1), 1979.",
    "lucic2018": 'M. Lucic, K. Kurach, M. Michalski, S. Gelly, O. Bousquet. "Are GANs Created '
    'Equal? A Large-Scale Study." NeurIPS 2018 (the spread of FID over seeds).',
}

LABELS: dict[str, str] = {
    "jalam": "Jalam n.d.",
    "lecun1998": "LeCun et al. 1998",
    "goodfellow2014": "Goodfellow et al. 2014",
    "radford2015": "Radford et al. 2015",
    "tensorflow_dcgan": "TensorFlow DCGAN tutorial",
    "yazici2019": "Yazici et al. 2019",
    "kingma2014": "Kingma & Welling 2014",
    "kingma2019": "Kingma & Welling 2019",
    "keras_vae": "keras-io VAE example",
    "salakhutdinov2008": "Salakhutdinov & Murray 2008",
    "burda2016": "Burda et al. 2016",
    "larsen2016": "Larsen et al. 2016",
    "heusel2017": "Heusel et al. 2017",
    "binkowski2018": "Bińkowski et al. 2018",
    "salimans2016": "Salimans et al. 2016",
    "kynkaanniemi2019": "Kynkäänniemi et al. 2019",
    "naeem2020": "Naeem et al. 2020",
    "pechpacheco2000": "Pech-Pacheco et al. 2000",
    "theis2016": "Theis et al. 2016",
    "efron1979": "Efron 1979",
    "lucic2018": "Lucic et al. 2018",
}


def cite(*keys: str) -> str:
    """An in-text citation such as "[Heusel et al. 2017; Bińkowski et al. 2018]"."""
    unknown = [key for key in keys if key not in REFERENCES]
    if unknown:
        raise KeyError(f"unknown reference(s) {unknown}; known: {', '.join(REFERENCES)}")
    return "[" + "; ".join(LABELS[key] for key in keys) + "]"


def bibliography_markdown() -> str:
    """The reference list as Markdown, one numbered entry per reference, with its label."""
    lines = [
        f"{index}. **[{LABELS[key]}]** {text}"
        for index, (key, text) in enumerate(REFERENCES.items(), start=1)
    ]
    return "\n".join(lines)


__all__ = ["LABELS", "REFERENCES", "bibliography_markdown", "cite"]
