"""download: fetch or generate the raw data."""

from __future__ import annotations

from birnn.config import Params
from birnn.data import fingerprint, sources
from birnn.layout import Layout
from birnn.stages import done


def run(params: Params, layout: Layout) -> dict:
    # a remote that changed under the same address is fetched again, not reused
    fingerprint.forget_stale_download(layout.raw_dir, layout.labeled_source_path)
    summary = sources.download(params.data, layout.raw_dir, params.seed)
    fingerprint.remember_download(layout.raw_dir, layout.labeled_source_path)
    return done("download", summary)
