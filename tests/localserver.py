"""Test helpers: a real HTTP server on 127.0.0.1 (free port) and generated archives with
exactly the layouts of the real sources. Nothing here touches the internet."""

from __future__ import annotations

import hashlib
import io
import random
import socket
import tarfile
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

POSITIVE = ["love", "great", "awesome", "happy", "best", "fun", "nice", "glad"]
NEGATIVE = ["hate", "awful", "sad", "worst", "boring", "bad", "tired", "sick"]
FILLER = ["the", "day", "movie", "today", "work", "weekend", "show", "food", "music", "game"]


class FileServer:
    """Serves ``files`` (path -> bytes) with Range support and scripted misbehaviour:

    * ``cut_once``: paths whose first GET sends the full Content-Length, half the body,
      then closes the connection;
    * ``fail``: path -> HTTP statuses answered first, one per request (e.g. [503]);
    * ``delay_once``: path -> seconds to sleep before the first answer (client timeouts);
    * ``ignore_range``: answer 200 with the whole body even to a Range request;
    * ``slow``: path -> bytes per second: the body trickles out in small chunks (a download
      that is still running when a test kills the client).
    """

    def __init__(self, files: dict[str, bytes] | None = None):
        self.files = dict(files or {})
        self.requests: list[dict] = []
        self.heads: list[str] = []  # paths asked with HEAD (not in requests)
        self.cut_once: set[str] = set()
        self.fail: dict[str, list[int]] = {}
        self.delay_once: dict[str, float] = {}
        self.ignore_range = False
        self.slow: dict[str, float] = {}
        self._server: ThreadingHTTPServer | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> "FileServer":
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_HEAD(self):  # noqa: N802 - the http.server interface
                name = urlsplit(self.path).path.lstrip("/")
                owner.heads.append(name)
                if name not in owner.files:
                    self.send_error(404)
                    return
                body = owner.files[name]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", f'"{hashlib.sha256(body).hexdigest()[:16]}"')
                self.end_headers()

            def do_GET(self):
                name = urlsplit(self.path).path.lstrip("/")
                owner.requests.append(
                    {"path": self.path, "name": name, "headers": dict(self.headers)}
                )
                if owner.delay_once.get(name):
                    time.sleep(owner.delay_once.pop(name))
                if owner.fail.get(name):
                    self.send_error(owner.fail[name].pop(0))
                    return
                if name not in owner.files:
                    self.send_error(404)
                    return
                body, status, start = owner.files[name], 200, 0
                wanted = self.headers.get("Range", "")
                if wanted.startswith("bytes=") and not owner.ignore_range:
                    start = int(wanted[6:].split("-")[0])
                    if start >= len(body):
                        self.send_error(416)
                        return
                    status = 206
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body) - start))
                self.send_header("Accept-Ranges", "bytes")
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                self.end_headers()
                if name in owner.cut_once:
                    owner.cut_once.discard(name)
                    self.wfile.write(body[start : start + (len(body) - start) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                rate = owner.slow.get(name)
                if rate:
                    step = max(1, int(rate / 20))
                    try:
                        for at in range(start, len(body), step):
                            self.wfile.write(body[at : at + step])
                            self.wfile.flush()
                            time.sleep(step / rate)
                    except (BrokenPipeError, ConnectionResetError):  # the client went away
                        self.close_connection = True
                    return
                self.wfile.write(body[start:])

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "FileServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- generated data with the real layouts --------------------------------------------------


def tweets(n_per_class: int, seed: int = 0) -> list[tuple[int, str]]:
    """(label 0/1, tweet-like text) with mentions, URLs, entities, repeats and non-ASCII."""
    rng = random.Random(seed)
    rows = []
    for i in range(n_per_class):
        for label, words in ((1, POSITIVE), (0, NEGATIVE)):
            parts = [rng.choice(FILLER) for _ in range(rng.randint(2, 6))] + [
                rng.choice(words),
                rng.choice(words),
            ]
            rng.shuffle(parts)
            if i % 5 == 0:
                parts.insert(0, f"@user{i}")
            if i % 7 == 0:
                parts.append(f"http://bit.ly/{i}x")
            if i % 4 == 0:
                parts.append("sooooo" if label else "noooo")
            if i % 6 == 0:
                parts.append("&amp; caf\u00e9")
            rows.append((label, " ".join(parts) + f" #{i}"))
    return rows


def sentiment140_subset_zip(n_per_class: int = 40) -> bytes:
    """sentiment140-subset.csv.zip: one CSV, header polarity,text, polarity 0/1."""
    lines = ["polarity,text"] + [f'{label},"{text}"' for label, text in tweets(n_per_class, seed=1)]
    lines.append('1,"   "')  # empty after cleaning
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("sentiment140-subset.csv", "\n".join(lines) + "\n")
    return buf.getvalue()


def sentiment140_zip(n_per_class: int = 40) -> bytes:
    """trainingandtestdata.zip: the training CSV (latin-1, no header, 6 columns, 0/4) and the
    manual test CSV next to it (with neutral 2 labels, which the source ignores)."""

    def row(polarity: int, i: int, text: str) -> str:
        return f'"{polarity}","{1467810369 + i}","Mon Apr 06 22:19:45 PDT 2009","NO_QUERY","user{i}","{text}"'

    train = [
        row(4 if label else 0, i, text)
        for i, (label, text) in enumerate(tweets(n_per_class, seed=2))
    ]
    train.append(row(4, 10_000, tweets(1, seed=2)[0][1]))  # an exact duplicate
    test = [row(2, 1, "neutral one"), row(4, 2, "good one"), row(0, 3, "bad one")]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "testdata.manual.2009.06.14.csv", ("\r\n".join(test) + "\r\n").encode("latin-1")
        )
        zf.writestr(
            "training.1600000.processed.noemoticon.csv",
            ("\r\n".join(train) + "\r\n").encode("latin-1"),
        )
    return buf.getvalue()


def imdb_tar_gz(n_per_class: int = 30) -> bytes:
    """aclImdb_v1.tar.gz: aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt, urls files and
    vocabulary files that the source must ignore, and 5 unlabeled reviews in train/unsup/:
    the last one a copy of the last test review (which pretraining must drop)."""
    rng = random.Random(3)
    buf = io.BytesIO()

    def add(tf: tarfile.TarFile, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))

    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        add(tf, "aclImdb/README", b"Large Movie Review Dataset v1.0\n")
        add(tf, "aclImdb/imdb.vocab", b"the\nand\n")
        for part in ("train", "test"):
            add(
                tf,
                f"aclImdb/{part}/urls_pos.txt",
                b"http://www.imdb.com/title/tt0453418/usercomments\n",
            )
            for label, words in (("pos", POSITIVE), ("neg", NEGATIVE)):
                for i in range(n_per_class):
                    body = " ".join(rng.choice(FILLER + words) for _ in range(40))
                    text = f"{part} review {i}: {body}.<br /><br />I <i>{words[i % 8]}</i> it &amp; more."
                    rating = rng.choice([7, 8, 9, 10] if label == "pos" else [1, 2, 3, 4])
                    add(tf, f"aclImdb/{part}/{label}/{i}_{rating}.txt", text.encode("utf-8"))
        for i in range(4):
            body = f"unlabelled review {i}: a quiet film, not rated"
            add(tf, f"aclImdb/train/unsup/{i}_0.txt", body.encode("utf-8"))
        add(tf, "aclImdb/train/unsup/4_0.txt", text.encode("utf-8"))
    return buf.getvalue()
