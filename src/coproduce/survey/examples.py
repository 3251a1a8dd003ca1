"""Bundled demonstration material, addressed as ``example:NAME``.

``example:five-nation`` is the SYNTHETIC five-nation survey (data and codebook);
``example:areas`` the census-style adult counts of six invented areas.
"""

from __future__ import annotations

from pathlib import Path

from ..model.errors import Issue, ModelError, did_you_mean

DATA = Path(__file__).parent / "data"
EXAMPLES = {
    "five-nation": (DATA / "five_nation_synthetic.csv", DATA / "five_nation_codebook.yaml"),
    "areas": (DATA / "areas_synthetic.csv", None),
}


def resolve(name: str | Path, *, want: str = "data") -> Path:
    """A path as given, or the bundled file behind ``example:NAME`` (``want`` data/codebook)."""
    text = str(name)
    if not text.startswith("example:"):
        return Path(text)
    key = text.removeprefix("example:")
    if key not in EXAMPLES:
        raise ModelError(
            [
                Issue(
                    "",
                    f"unknown example '{key}'{did_you_mean(key, EXAMPLES)}; "
                    f"bundled: {', '.join(EXAMPLES)}",
                )
            ]
        )
    data, codebook = EXAMPLES[key]
    path = codebook if want == "codebook" else data
    if path is None:
        raise ModelError([Issue("", f"example '{key}' has no {want}")])
    return path
