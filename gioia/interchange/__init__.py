"""REFI-QDA (QDA-XML 1.0) interchange and CSV: a study out to other QDA programs, and
their projects and codebooks in.

Exports are plain functions of data the caller has loaded and return bytes or text;
imports read a file and write into a study folder (see :mod:`.project_import`). Modules:

- :mod:`.qdpx_export`, :mod:`.qdc`, :mod:`.csv_export`: ``.qdpx``, ``.qdc`` and CSV out;
  :mod:`.carried`: what REFI-QDA has no element for, carried inside gioia's ``.qdpx``;
- :mod:`.qdpx_import`: ``.qdpx`` and ``.qdc`` in, read by :mod:`.project_reader` (the
  XML and sources); :mod:`.project_import` writes any project read into the study, with
  :mod:`.levels` (code trees onto the three Gioia levels), :mod:`.transcripts_plan`
  (sources and selections onto gioia's transcript text, or re-anchored on the study's),
  :mod:`.positions`, :mod:`.codebook_merge` and :mod:`.participants_merge`;
- :mod:`.taguette`: Taguette's project (``.sqlite3``) in, with :mod:`.taguette_html`
  (its HTML documents as text, its byte offsets), and its highlights and codebook CSV
  (:mod:`.taguette_csv`); :mod:`.taguette_codebook`: the codebook as a CSV Taguette
  imports;
- :mod:`.safety`: what is refused before anything is written;
- :mod:`.refi`: the XML vocabulary both directions share.
"""

from gioia.interchange.csv_export import build_csv
from gioia.interchange.qdc import build_qdc
from gioia.interchange.qdpx_export import build_qdpx
from gioia.interchange.qdpx_import import ImportResult, import_qdc, import_qdpx
from gioia.interchange.safety import InterchangeError, UnsafeFileError
from gioia.interchange.taguette import import_taguette
from gioia.interchange.taguette_codebook import build_taguette_codebook

__all__ = [
    "ImportResult",
    "InterchangeError",
    "UnsafeFileError",
    "build_csv",
    "build_qdc",
    "build_qdpx",
    "build_taguette_codebook",
    "import_qdc",
    "import_qdpx",
    "import_taguette",
]
