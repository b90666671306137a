"""Seconds per page of the e-license PDF (issue 11.5): the 超限运输 permit of
portal/licenses/license.pdf.html through portal.pdf.render_pdf (WeasyPrint, Noto Serif CJK
SC subsets), first render (fontconfig and the font files cold) and the mean of --runs warm
ones, with the file's size; one JSON document on stdout.

    python bench/license_pdf.py --runs 20
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="yiwang-bench-") as data_dir:
        os.environ["DJANGO_SETTINGS_MODULE"] = "yiwang.settings"
        os.environ["YIWANG_ENV"] = "test"
        os.environ["YIWANG_DATA_DIR"] = data_dir
        os.environ.pop("YIWANG_DATABASE_URL", None)
        print(json.dumps(run(options.runs), ensure_ascii=False))


def run(runs: int) -> dict[str, object]:
    import django

    django.setup()
    sys.path.insert(0, str(ROOT))  # the sample permit of the tests
    from tests.qr_payload import build_payload, new_key, permit_context

    from yiwang.portal.pdf import render_pdf

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    template = "portal/licenses/license.pdf.html"
    context = permit_context(build_payload(new_key()))
    started = time.perf_counter()
    pdf = render_pdf(template, context)
    first = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(runs):
        pdf = render_pdf(template, context)
    warm = (time.perf_counter() - started) / runs
    return {
        "template": template,
        "first_render_s": round(first, 3),
        "seconds_per_page": round(warm, 3),
        "runs": runs,
        "pdf_bytes": len(pdf),
        "cpu_count": os.cpu_count(),
    }


if __name__ == "__main__":
    main()
