"""Every codebook field is described in docs/survey.md (docs are tested artefacts)."""

from pathlib import Path

from coproduce.survey.codebook import (
    Codebook,
    Covariate,
    DesignSpec,
    HoursItem,
    Item,
    Margins,
    ReplicateWeights,
    Scale,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "survey.md"


def test_every_codebook_field_is_documented():
    text = DOC.read_text()
    missing = [
        f"{model.__name__}.{name}"
        for model in (
            Codebook,
            Scale,
            Item,
            Covariate,
            DesignSpec,
            ReplicateWeights,
            Margins,
            HoursItem,
        )
        for name in model.model_fields
        if f"`{name}`" not in text and f".{name}`" not in text and f"{name}`" not in text
    ]
    assert not missing, f"fields not described in docs/survey.md: {missing}"
