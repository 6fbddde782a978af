"""The named public datasets, fetched from data.remotes: the file each is kept as, what its raw
labels mean, and how its archive is read.

| source | raw file | layout |
|---|---|---|
| sentiment140-subset | sentiment140-subset.csv.zip | zip of one CSV: polarity (0/1), text |
| sentiment140 | trainingandtestdata.zip | training.1600000.processed.noemoticon.csv: latin-1, no |
| | | header, 6 columns, polarity 0/4 first, text last |
| imdb | aclImdb_v1.tar.gz | aclImdb/{train,test}/{pos,neg}/*.txt; aclImdb/train/unsup/*.txt |
| | | are the unlabeled reviews, for the pretrain stage only (never labelled rows) |
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import pandas as pd

from birnn.config import DataParams
from birnn.data import archives, tables
from birnn.data.raw import Obtained, SourceError
from birnn.data.remote import FetchOptions, Obtain, address, fetch_into

SENTIMENT140_SUBSET_FILE = "sentiment140-subset.csv.zip"
SENTIMENT140_FILE = "trainingandtestdata.zip"
IMDB_FILE = "aclImdb_v1.tar.gz"
SENTIMENT140_SUBSET_LABELS = {"0": 0, "1": 1}
SENTIMENT140_LABELS = {"0": 0, "4": 1}  # 2 (neutral, test file only) counts as unknown
IMDB_LABELS = {"neg": 0, "pos": 1}
SENTIMENT140_MEMBER = "training.1600000.processed.noemoticon.csv"
IMDB_MEMBER = re.compile(r"^aclImdb/(train|test)/(pos|neg)/[^/]+\.txt$")
IMDB_UNLABELED_MEMBER = re.compile(r"^aclImdb/train/unsup/[^/]+\.txt$")


def fetched_as(file_name: str) -> Obtain:
    """A named dataset's download: its data.remotes address, kept in data/raw/ as ``file_name``."""

    def obtain(data: DataParams, raw_dir: Path, _seed: int, options: FetchOptions) -> Obtained:
        url, expected = address(data)
        return fetch_into(url, expected, raw_dir / file_name, data.proxy, options)

    return obtain


def read_sentiment140_subset(path: Path, data: DataParams, limits: archives.Limits) -> pd.DataFrame:
    frame = tables.read_table(path, limits, str(path), data.encoding, data.sep)
    if "polarity" not in frame.columns and len(frame.columns) == 2:  # no header row
        frame = tables.read_table(path, limits, str(path), data.encoding, data.sep, header=None)
        frame.columns = ["polarity", "text"]
    return tables.labeled_table(frame, str(path), data.sep, ("text", "polarity"))


def read_sentiment140(path: Path, _data: DataParams, limits: archives.Limits) -> pd.DataFrame:
    names = [
        m.name
        for m in archives.members(path, limits)
        if PurePosixPath(m.name).name == SENTIMENT140_MEMBER
    ]
    if not names:
        raise SourceError(
            f"{path.name}: no {SENTIMENT140_MEMBER} inside; is this {SENTIMENT140_FILE}?"
        )
    with archives.open_member(path, names[0], limits) as fh:
        try:
            frame = pd.read_csv(
                fh,
                header=None,
                encoding="latin-1",
                dtype=str,
                keep_default_na=False,
                usecols=[0, 5],
                names=["polarity", "id", "date", "query", "user", "text"],
            )
        except (ValueError, pd.errors.ParserError) as err:
            raise SourceError(
                f"{path.name}/{names[0]}: not the 6-column sentiment140 layout: {err}"
            ) from err
    return frame.rename(columns={"polarity": "label"})[["text", "label"]]


def read_imdb(path: Path, _data: DataParams, limits: archives.Limits) -> pd.DataFrame:
    texts, labels, splits = [], [], []
    for name, content in archives.iter_files(path, lambda n: bool(IMDB_MEMBER.match(n)), limits):
        part, label = IMDB_MEMBER.match(name).groups()
        texts.append(content.decode("utf-8", errors="replace"))
        labels.append(label)
        splits.append(part)
    if not texts:
        raise SourceError(
            f"{path.name}: no aclImdb/{{train,test}}/{{pos,neg}}/*.txt members; "
            f"is this the IMDB archive ({IMDB_FILE})?"
        )
    return pd.DataFrame(
        {
            "text": pd.array(texts, dtype="string"),
            "label": labels,
            "split": pd.Categorical(splits, categories=["train", "test"]),
        }
    )


def read_imdb_unlabeled(path: Path, _data: DataParams, limits: archives.Limits) -> list[str]:
    """The archive's 50,000 unlabeled reviews (aclImdb/train/unsup), in archive order."""
    found = archives.iter_files(path, lambda n: bool(IMDB_UNLABELED_MEMBER.match(n)), limits)
    return [content.decode("utf-8", errors="replace") for _, content in found]
