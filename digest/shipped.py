"""Files digest ships beside its code: the settings reference, the model prompts, the sample page.

``config/digest.toml`` and ``prompts/`` stand at the repository's top, where a reader looks for
them. A source checkout (and an editable install) reads them there; a wheel carries the same files
inside the package, under ``digest/_shipped/`` (``force-include`` in pyproject.toml), because a wheel
installs files only into packages. One copy in the repository, two places it may be found.

The sample page lives inside the package (``digest/sample/``) so that the embedded default source
finds it from any working folder.
"""

from __future__ import annotations

from pathlib import Path

from digest.errors import ConfigError

_PACKAGE = Path(__file__).resolve().parent
_PACKAGED = _PACKAGE / "_shipped"
_CHECKOUT = _PACKAGE.parent
SAMPLE_DIR = _PACKAGE / "sample"
# The canonical sample: a real county-paper page as extracted from its PDF (tests and benchmarks too).
SAMPLE_PAGE = SAMPLE_DIR / "000_0ebbebed01f08da6.txt"
# What a folder source's path may say to mean the sample folder (the embedded default source).
SAMPLE_TOKEN = "{sample}"  # noqa: S105  (a placeholder, not a password)


def shipped(relative: str) -> Path:
    """Where ``relative`` (``config/digest.toml``, ``prompts``) is: in the wheel's copy, else in the
    checkout this package runs from."""
    for base in (_PACKAGED, _CHECKOUT):
        candidate = base / relative
        if candidate.exists():
            return candidate
    raise ConfigError(
        f"this installation of digest lacks its {relative}; reinstall it "
        "(pip install --force-reinstall digest, or pip install -e . in a checkout)"
    )
