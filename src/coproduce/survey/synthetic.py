"""The bundled SYNTHETIC five-nation co-production survey: how it is made, from stated parameters.

Nothing here is real survey data. The script draws 5 × 1,000 respondents (Czech Republic,
Denmark, France, Germany, UK) in a stratified two-stage sample — countries are strata, 50
sampling points (PSUs) of 20 respondents each — and answers to 13 items paraphrasing the 2008
five-nation questionnaire (public safety, local environment, health; individual and collective
activities) on the scale never / occasionally / regularly, with don't-know and refused codes.

Each item's answer follows, exactly and marginally, an ordered logistic model

    P(answer ≥ k | x) = logistic(x·β_type + country_type − ζ_item,k)

with β_type the parameters below for the item's type (individual or collective). Answers of one
respondent are correlated (a person factor per type) and answers within a sampling point are
correlated (a PSU factor) through a Gaussian copula on the logistic errors, so every item keeps
the ordered-logit margin above while indices have realistic reliability and design effects.

The parameters are chosen to be consistent with the published findings (facts.md): women and
older people co-produce more individually; age lowers collective co-production, more weakly;
gender is unrelated to collective co-production; self-efficacy is the strongest correlate; rated
government performance goes with slightly less co-production, information and consultation with
a little more; country levels ordered as the 2008 overall index (UK 56 > Germany 53 > Czech
Republic 52 > France 51 > Denmark 48; Loeffler 2009). The sample over-represents women and
older people, so the design weights alone are biased and the codebook's population margins
(illustrative, invented round numbers) are used to rake them.

Run ``python -m coproduce.survey.synthetic`` to regenerate ``data/five_nation_synthetic.csv``
(seed 2008; the same seed gives the same file).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special, stats

SEED = 2008
COUNTRIES = {1: "Czech Republic", 2: "Denmark", 3: "France", 4: "Germany", 5: "United Kingdom"}
PSUS_PER_COUNTRY = 50
PER_PSU = 20
# adults represented by each respondent (design weight), invented round figures
ADULTS_MILLIONS = {1: 8.6, 2: 4.6, 3: 52.0, 4: 69.0, 5: 52.5}

# country level on the log-odds scale, 0.15 per point of the 2008 index above France (51)
COUNTRY_SHIFT = {1: 0.15, 2: -0.45, 3: 0.0, 4: 0.30, 5: 0.75}

# slopes per unit of each covariate (age per year; ratings per point on 1-5)
BETA = {
    "individual": {
        "age": 0.015,
        "woman": 0.25,
        "edu_medium": 0.05,
        "edu_high": 0.10,
        "employed": -0.10,
        "urban": 0.0,
        "gov_performance": -0.08,
        "gov_informs": 0.10,
        "self_efficacy": 0.35,
    },
    "collective": {
        "age": -0.008,
        "woman": 0.0,
        "edu_medium": 0.15,
        "edu_high": 0.30,
        "employed": 0.05,
        "urban": -0.15,
        "gov_performance": -0.05,
        "gov_informs": 0.20,
        "self_efficacy": 0.40,
    },
}
# the linear predictor is centred at these values so that the cut-points read naturally
CENTRE = {"age": 50.0, "gov_performance": 3.0, "gov_informs": 3.0, "self_efficacy": 3.0}

# items: (sector, type, cut-point never|occasionally, cut-point occasionally|regularly)
ITEMS = {
    "safety_report": ("safety", "individual", -0.2, 2.0),
    "safety_intervene": ("safety", "individual", 0.6, 2.8),
    "safety_home": ("safety", "individual", -1.0, 1.0),
    "safety_group": ("safety", "collective", 2.0, 3.6),
    "env_recycle": ("environment", "individual", -2.6, -0.6),
    "env_energy": ("environment", "individual", -2.0, 0.0),
    "env_transport": ("environment", "individual", -0.8, 1.0),
    "env_group": ("environment", "collective", 1.6, 3.4),
    "health_exercise": ("health", "individual", -1.4, 0.6),
    "health_diet": ("health", "individual", -1.8, 0.2),
    "health_carer": ("health", "individual", 0.4, 2.2),
    "health_group": ("health", "collective", 2.4, 4.0),
    "health_feedback": ("health", "collective", 1.2, 3.2),
}
AGE_BAND_EDGES = [35, 55, 75]  # bands 1: 18-34, 2: 35-54, 3: 55-74, 4: 75+
AGE_BANDS = {1: "18-34", 2: "35-54", 3: "55-74", 4: "75+"}
# population margins (illustrative): shares of adults by sex and by age band
SEX_SHARE = {"man": 0.485, "woman": 0.515}
AGE_SHARE = {"18-34": 0.27, "35-54": 0.34, "55-74": 0.28, "75+": 0.11}
PERSON_CORR = 0.35  # share of the copula variance common to a person's items of one type
PSU_CORR = 0.05  # share common to a sampling point
DONT_KNOW, REFUSED = 0.02, 0.005


def _covariates(rng: np.random.Generator, n: int) -> pd.DataFrame:
    # older people and women over-represented, as in many achieved samples
    age = np.clip(np.round(18 + 72 * rng.beta(1.6, 1.3, n)), 18, 90).astype(int)
    woman = rng.random(n) < 0.55
    edu = rng.choice([1, 2, 3], size=n, p=[0.25, 0.45, 0.30])
    employed = rng.random(n) < np.where(age < 65, 0.72, 0.08)
    efficacy = np.clip(np.round(3 + 0.4 * (edu - 2) + rng.normal(0, 1.0, n)), 1, 5)
    return pd.DataFrame(
        {
            "age": age,
            "gender": np.where(woman, 2, 1),
            "education": edu,
            "employed": employed.astype(int),
            "gov_performance": rng.integers(1, 6, n),
            "gov_informs": rng.integers(1, 6, n),
            "self_efficacy": efficacy.astype(int),
        }
    )


def linear_predictor(frame: pd.DataFrame, type_: str) -> np.ndarray:
    """x·β_type + country shift for rows with the raw codes of the synthetic file."""
    b = BETA[type_]
    eta = (
        b["age"] * (frame["age"] - CENTRE["age"])
        + b["woman"] * (frame["gender"] == 2)
        + b["edu_medium"] * (frame["education"] == 2)
        + b["edu_high"] * (frame["education"] == 3)
        + b["employed"] * frame["employed"]
        + b["urban"] * frame["urban"]
        + sum(
            b[k] * (frame[k] - CENTRE[k])
            for k in ("gov_performance", "gov_informs", "self_efficacy")
        )
    )
    return eta.to_numpy(dtype=float) + frame["country"].map(COUNTRY_SHIFT).to_numpy()


def generate(seed: int = SEED) -> pd.DataFrame:
    """The synthetic survey as a frame of raw codes (one row per respondent)."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in COUNTRIES:
        n = PSUS_PER_COUNTRY * PER_PSU
        cov = _covariates(rng, n)
        psu = np.repeat(np.arange(1, PSUS_PER_COUNTRY + 1), PER_PSU)
        urban_psu = rng.random(PSUS_PER_COUNTRY) < 0.65
        cov.insert(0, "country", c)
        cov.insert(1, "psu", c * 100 + psu)
        cov["urban"] = urban_psu[psu - 1].astype(int)
        cov["weight"] = ADULTS_MILLIONS[c] * 1e6 / n
        rows.append(cov)
    data = pd.concat(rows, ignore_index=True)
    n = len(data)
    data.insert(0, "respondent", np.arange(1, n + 1))
    # Gaussian copula: person factor per type, PSU factor, item noise
    psu_codes = pd.factorize(data["psu"])[0]
    psu_factor = rng.normal(size=psu_codes.max() + 1)[psu_codes]
    person = {t: rng.normal(size=n) for t in ("individual", "collective")}
    eta = {t: linear_predictor(data, t) for t in BETA}
    own = np.sqrt(1 - PERSON_CORR - PSU_CORR)
    for name, (_sector, type_, z1, z2) in ITEMS.items():
        g = (
            np.sqrt(PERSON_CORR) * person[type_]
            + np.sqrt(PSU_CORR) * psu_factor
            + own * rng.normal(size=n)
        )
        err = special.logit(np.clip(stats.norm.cdf(g), 1e-12, 1 - 1e-12))  # logistic margin
        latent = eta[type_] + err
        answer = 1 + (latent > z1).astype(int) + (latent > z2).astype(int)
        u = rng.random(n)
        answer = np.where(u < DONT_KNOW, 8, np.where(u < DONT_KNOW + REFUSED, 9, answer))
        data[name] = answer
    data.insert(
        data.columns.get_loc("age") + 1,
        "age_band",
        np.searchsorted(AGE_BAND_EDGES, data["age"], side="right") + 1,
    )
    # a few missing covariate answers, coded as the codebook says
    data.loc[rng.random(n) < 0.01, "gov_performance"] = 9
    return data


def margins() -> dict[str, dict[str, dict[str, int]]]:
    """Population counts by country for raking (adults; invented round figures)."""
    out: dict[str, dict[str, dict[str, int]]] = {"gender": {}, "age_band": {}}
    for c, name in COUNTRIES.items():
        adults = ADULTS_MILLIONS[c] * 1e6
        out["gender"][name] = {k: round(adults * v) for k, v in SEX_SHARE.items()}
        out["age_band"][name] = {k: round(adults * v) for k, v in AGE_SHARE.items()}
    return out


AREAS = {
    "Northfield Park": 9800,
    "Riverside": 14200,
    "Old Town": 7600,
    "Hillcrest": 11900,
    "Canal Quarter": 12800,
    "Meadowbank": 6400,
}


def area_cells(seed: int = SEED) -> pd.DataFrame:
    """Census-style adult counts for six INVENTED areas: area × age band × sex × education.

    Each area gets its own age profile (a student quarter, a retirement suburb, ...) by
    perturbing the national shares with a Dirichlet draw, so areas differ in capacity.
    """
    rng = np.random.default_rng(seed + 1)
    edu_share = {"low": 0.25, "medium": 0.45, "high": 0.30}
    rows = []
    for area, adults in AREAS.items():
        ages = rng.dirichlet(np.array(list(AGE_SHARE.values())) * 12)
        edus = rng.dirichlet(np.array(list(edu_share.values())) * 15)
        for band, pa in zip(AGE_SHARE, ages, strict=True):
            for sex, ps in SEX_SHARE.items():
                for edu, pe in zip(edu_share, edus, strict=True):
                    rows.append(
                        {
                            "area": area,
                            "age_band": band,
                            "gender": sex,
                            "education": edu,
                            "adults": round(adults * pa * ps * pe),
                        }
                    )
    return pd.DataFrame(rows)


def main() -> None:  # pragma: no cover - the data files are what is tested
    folder = Path(__file__).parent / "data"
    generate().to_csv(folder / "five_nation_synthetic.csv", index=False)
    area_cells().to_csv(folder / "areas_synthetic.csv", index=False)
    print(f"wrote the SYNTHETIC survey and area counts to {folder}")


if __name__ == "__main__":  # pragma: no cover
    main()
