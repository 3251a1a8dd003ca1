"""Bundled demonstration material, addressed as ``example:NAME``.

``example:five-nation`` is the SYNTHETIC five-nation survey (data and codebook);
``example:areas`` the census-style adult counts of six invented areas. The example survey asked
no hours question, so ``survey capacity`` on it uses the published figure named, with its
source, in ``data/example_hours.yaml`` (:func:`example_hours`) — and says so.
"""

from __future__ import annotations

from pathlib import Path

from ..model.errors import Issue, ModelError, did_you_mean

DATA = Path(__file__).parent / "data"
EXAMPLES = {
    "five-nation": (DATA / "five_nation_synthetic.csv", DATA / "five_nation_codebook.yaml"),
    "areas": (DATA / "areas_synthetic.csv", None),
}
EXAMPLE_HOURS = DATA / "example_hours.yaml"
"""Hours per participant for the bundled example survey only, each figure with its source."""


def example_hours() -> dict[str, dict]:
    """``{group: {value, source, derivation, notes}}`` from ``data/example_hours.yaml``: the
    published figures the bundled example uses for hours per participant (a year)."""
    import yaml

    data = yaml.safe_load(EXAMPLE_HOURS.read_text(encoding="utf-8")) or {}
    return dict(data.get("hours_per_participant") or {})


def is_example_survey(data: str | Path | None, codebook: str | Path | None) -> bool:
    """True when ``survey`` commands read the bundled example (nothing given, or
    ``example:five-nation`` for data and codebook alike)."""
    names = {None, "example:five-nation"}
    return (None if data is None else str(data)) in names and (
        None if codebook is None else str(codebook)
    ) in names


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
