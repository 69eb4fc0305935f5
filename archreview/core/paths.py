"""Files shipped inside the package: catalogues, notebooks and templates.

They are read through ``importlib.resources``, so an installed wheel finds them
wherever it lives; nothing is looked up next to a source checkout.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def package_path(*parts: str) -> Path:
    """A file or folder shipped in the archreview package, as a real path.

    The package is always installed as files (never zipped), so the resource
    is a file on disk that papermill, nbconvert and Jinja2 can open by name.
    """
    return Path(str(resources.files("archreview").joinpath(*parts)))
