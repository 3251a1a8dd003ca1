"""Citizen co-production surveys: codebooks, readers, design-based estimation, models, capacity.

The public surface (``coproduce.survey``):

* :class:`Design` — a complex survey design with means, totals, ratios, proportions, domains,
  post-stratification, raking, replicate weights and :meth:`Design.glm`;
* :class:`Estimate`, :class:`EstimateTable`, :class:`GlmFit` — result objects;
* :func:`load_survey` (codebook + data file, validated and recoded), :func:`describe`,
  :func:`estimate` (prevalence and indices with disclosure control), :func:`correlates`,
  :func:`capacity` (poststratification of a participation model to areas),
  :func:`capacity_to_model` (each area's hours as a scenario of a strategy-map model),
  :func:`write_codebook_xlsx` (the codebook as a workbook; ``load_codebook`` reads it back).
"""

from .design import Design
from .estimates import Estimate, EstimateTable

# The modelling half (statsmodels, patsy, scipy) loads on first use, so that reading and
# checking a survey file stays quick from the command line.
_LAZY = {
    "SurveyDescription": "analysis",
    "SurveyEstimates": "analysis",
    "describe": "analysis",
    "estimate": "analysis",
    "CapacityResult": "areas",
    "capacity": "areas",
    "Codebook": "codebook",
    "load_codebook": "codebook",
    "CorrelatesResult": "correlation",
    "average_marginal_effects": "correlation",
    "correlates": "correlation",
    "GlmFit": "glm",
    "fit_glm": "glm",
    "PrevalenceTable": "measures",
    "cronbach_alpha": "measures",
    "prevalence": "measures",
    "PreparedSurvey": "recode",
    "prepare": "recode",
    "SurveyFile": "readers",
    "read_survey": "readers",
    "ModelHandOff": "to_model",
    "capacity_to_model": "to_model",
    "write_codebook_xlsx": "codebook_xlsx",
}

__all__ = [  # noqa: RUF022 - grouped: eager names first, then the lazily loaded ones
    "Design",
    "Estimate",
    "EstimateTable",
    "load_survey",
    "CapacityResult",
    "Codebook",
    "CorrelatesResult",
    "GlmFit",
    "PreparedSurvey",
    "PrevalenceTable",
    "SurveyDescription",
    "SurveyEstimates",
    "SurveyFile",
    "average_marginal_effects",
    "capacity",
    "correlates",
    "cronbach_alpha",
    "describe",
    "estimate",
    "fit_glm",
    "load_codebook",
    "prepare",
    "prevalence",
    "read_survey",
    "ModelHandOff",
    "capacity_to_model",
    "write_codebook_xlsx",
]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_survey(data=None, codebook=None):
    """Read a survey file and its codebook (paths or ``example:five-nation``), validate the data
    against the codebook and recode it; returns a :class:`PreparedSurvey`.

    With no data, the codebook's own ``data`` field (relative to the codebook) is used; with
    neither, the bundled synthetic example.
    """
    from pathlib import Path

    from .codebook import load_codebook
    from .examples import resolve
    from .readers import read_survey
    from .recode import prepare

    if codebook is None and data is None:
        data = codebook = "example:five-nation"
    if data is not None and not str(data).startswith("example:") and not Path(data).exists():
        from ..model.errors import Issue, ModelError

        # the missing file first: a codebook cannot help read a file that is not there
        raise ModelError([Issue("data", f"{data}: file not found")])
    if codebook is None:
        if str(data).startswith("example:"):
            codebook = data
        else:
            from ..model.errors import Issue, ModelError

            raise ModelError(
                [
                    Issue(
                        "codebook",
                        "give the codebook (--codebook FILE) that "
                        "says what the columns of the data mean",
                    )
                ]
            )
    cb_path = resolve(codebook, want="codebook")
    cb = load_codebook(cb_path)
    if data is None:
        if cb.data is None:
            from ..model.errors import Issue, ModelError

            raise ModelError(
                [Issue("data", "no data file given and the codebook names none", file=str(cb_path))]
            )
        data_path = Path(cb_path).parent / cb.data
    else:
        data_path = resolve(data, want="data")
    return prepare(cb, read_survey(data_path), codebook_file=str(cb_path))
