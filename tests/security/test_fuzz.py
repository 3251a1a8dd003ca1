"""The fuzz suite of issue 15: hostile variations of both bundled examples, through loading
and checking in this process, through ``coproduce check`` and ``map --json`` (the command
line's own entry point, in process), and through the upload page and the JSON API. Whatever
the input, the answer is a model, or a refusal — exit 2, HTTP 4xx — whose every problem is
located; never a traceback, an exit 1 from a crash or an HTTP 500.

500 cases by default (350 in process, 75 through the command line, 75 through the web, each
of the last two making two calls), in about 15 s; ``COPRODUCE_FUZZ_EXAMPLES=N`` runs N cases
of the in-process test and the others in proportion.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from coproduce.errors import BadInput
from coproduce.model import load_model
from tests.clirun import cli

from .mutations import examples_budget, model_texts, mutated


def fuzz(cases: int) -> settings:
    """``cases`` examples (see :func:`examples_budget`), no deadline: a case may take a while
    on a busy machine, and the suite asks for no slow case, not for a fast one."""
    return settings(
        max_examples=examples_budget(cases),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def located(issues) -> bool:
    """Every issue says what is wrong and where (a field, a line or a file), but for the count
    of the issues not listed."""
    return all(
        i.message and (i.path or i.line or i.file or i.message.startswith("and ")) for i in issues
    )


def _write(tmp_path, fmt: str, text: str):
    path = tmp_path / f"model.{fmt}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


@fuzz(350)
@given(case=model_texts())
def test_loading_a_mutated_example_gives_a_model_or_located_problems(tmp_path_factory, case):
    fmt, text = case
    path = _write(tmp_path_factory.mktemp("m"), fmt, text)
    try:
        load_model(path)
    except BadInput as exc:
        assert exc.issues and located(exc.issues), str(exc)


@fuzz(75)
@given(case=model_texts())
def test_check_and_map_exit_0_1_or_2_without_a_traceback(tmp_path_factory, case):
    fmt, text = case
    path = _write(tmp_path_factory.mktemp("m"), fmt, text)
    checked = cli("check", path)
    assert checked.returncode in (0, 2) and "Traceback" not in checked.stderr, checked.stderr
    if checked.returncode == 2:
        assert "problem" in checked.stderr, checked.stderr
        return
    mapped = cli("map", path, "--json")
    # 1 is an answerable question with no answer (no pathway reaches the target), said so
    assert mapped.returncode in (0, 1, 2) and "Traceback" not in mapped.stderr, mapped.stderr
    if mapped.returncode == 0:
        json.loads(mapped.stdout)
    else:
        assert mapped.stderr.strip(), "a refusal says why"


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_uploads_and_api_calls_give_a_model_or_a_located_4xx(world, web_factory):
    w = web_factory("a", "analyst")
    token = world.store.create_token(world.actor("a", "analyst"), "fuzz")[1]
    api = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    @fuzz(75)
    @given(case=model_texts(), data=mutated())
    def upload_and_post(case, data):
        fmt, text = case
        r = w.post(
            "/models",
            data={"csrf_token": w.csrf, "name": ""},
            files={"file": (f"m.{fmt}", text.encode("utf-8", "surrogatepass"), "text/plain")},
        )
        assert r.status_code == 303 or 400 <= r.status_code < 500, (r.status_code, r.text)
        if r.status_code != 303:
            assert "problem" in r.text or "Too large" in r.text, r.text[:2000]
        body = json.dumps({"model": data}).encode()
        r = w.post("/api/models", content=body, headers=api)
        assert r.status_code == 201 or 400 <= r.status_code < 500, (r.status_code, r.text)
        if r.status_code != 201:
            issues = r.json().get("issues") or [{"message": r.json().get("detail")}]
            assert issues and all(i.get("message") for i in issues), r.text

    upload_and_post()
