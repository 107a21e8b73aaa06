"""The report's references: one entry per work the report cites (`REFERENCES`), its in-text
label, `cite` for an in-text citation such as "[Heusel et al. 2017]", and `bibliography_markdown`
for the numbered reference list that closes the report.

    cite("heusel2017", "binkowski2018")  # "[Heusel et al. 2017; Bińkowski et al. 2018]"
"""

from __future__ import annotations

REFERENCES: dict[str, str] = {
    "jalam": 'S. M. Jalam. "VAEs vs GANs: Comparison of Generative Models." Course-project '
    "report (the paper reproduced here).",
    "goodfellow2014": "I. Goodfellow, J. Pouget-Abadie, M. Mirza, B. Xu, D. Warde-Farley, "
    'S. Ozair, A. Courville, Y. Bengio. "Generative Adversarial Nets." NeurIPS 2014.',
    "radford2015": 'A. Radford, L. Metz, S. Chintala. "Unsupervised Representation Learning '
    'with Deep Convolutional Generative Adversarial Networks." arXiv:1511.06434, 2015.',
    "kingma2019": 'D. P. Kingma, M. Welling. "An Introduction to Variational Autoencoders." '
    "Foundations and Trends in Machine Learning 12(4), 2019.",
    "kingma2014": 'D. P. Kingma, M. Welling. "Auto-Encoding Variational Bayes." ICLR 2014.',
    "larsen2016": 'A. B. L. Larsen, S. K. Sønderby, H. Larochelle, O. Winther. "Autoencoding '
    'beyond pixels using a learned similarity metric." ICML 2016 (arXiv:1512.09300, 2015).',
    "lecun1998": 'Y. LeCun, C. Cortes, C. J. C. Burges. "The MNIST database of handwritten '
    'digits." 1998.',
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
    "yazici2019": "Y. Yazıcı, C.-S. Foo, S. Winkler, K.-H. Yap, G. Piliouras, V. Chandrasekhar. "
    '"The Unusual Effectiveness of Averaging in GAN Training." ICLR 2019.',
    "burda2016": 'Y. Burda, R. Grosse, R. Salakhutdinov. "Importance Weighted Autoencoders." '
    "ICLR 2016 (IWAE bound).",
}

_CITATION_LABELS = {
    "jalam": "Jalam",
    "goodfellow2014": "Goodfellow et al. 2014",
    "radford2015": "Radford et al. 2015",
    "kingma2019": "Kingma & Welling 2019",
    "kingma2014": "Kingma & Welling 2014",
    "larsen2016": "Larsen et al. 2016",
    "lecun1998": "LeCun et al. 1998",
    "heusel2017": "Heusel et al. 2017",
    "binkowski2018": "Bińkowski et al. 2018",
    "salimans2016": "Salimans et al. 2016",
    "kynkaanniemi2019": "Kynkäänniemi et al. 2019",
    "naeem2020": "Naeem et al. 2020",
    "burda2016": "Burda et al. 2016",
    "yazici2019": "Yazıcı et al. 2019",
}


def cite(*keys: str) -> str:
    """An in-text citation such as "[Heusel et al. 2017; Bińkowski et al. 2018]"."""
    unknown = [key for key in keys if key not in REFERENCES]
    if unknown:
        raise KeyError(f"unknown reference(s) {unknown}; known: {', '.join(REFERENCES)}")
    return "[" + "; ".join(_CITATION_LABELS[key] for key in keys) + "]"


def bibliography_markdown() -> str:
    """The reference list as Markdown, one numbered entry per reference, with its label."""
    lines = [
        f"{index}. **[{_CITATION_LABELS[key]}]** {text}"
        for index, (key, text) in enumerate(REFERENCES.items(), start=1)
    ]
    return "\n".join(lines)


__all__ = ["REFERENCES", "bibliography_markdown", "cite"]
