"""The report speaks the model's words (labels), while its CSV data keep the ids."""

from __future__ import annotations

import base64
import re

from coproduce.cli.main import run


def test_report_names_options_and_inputs_by_label(tmp_path):
    out = tmp_path / "u.html"
    try:
        run(
            [
                "uncertainty",
                "example:older-people",
                "--target",
                "admissions_avoided=40",
                "--wtp",
                "20000",
                "--draws",
                "400",
                "--seed",
                "3",
                "--out",
                str(out),
            ]
        )
    except SystemExit as exc:
        assert exc.code in (0, None)
    html = out.read_text()
    summary = re.search(r'<p class="summary">(.*?)</p>', html, flags=re.S).group(1)
    # the option is named by its label from older-people.yaml, not by its id
    assert "Volunteer handyperson (grab rails)" in html
    assert re.search(r"net benefit is [A-Z]", summary)
    # the CSV behind the EVPPI chart keeps the machine-readable paths
    payloads = re.findall(r'download="evppi.csv" href="data:text/csv;base64,([^"]+)"', html)
    csv = base64.b64decode(payloads[0]).decode()
    assert csv.splitlines()[0].startswith("input,evppi")
    assert "links[" in csv or "interventions." in csv or "resources." in csv
