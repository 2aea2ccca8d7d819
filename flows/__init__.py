"""The pipeline's flows, the ``anq`` command and what they share."""

import sys

# httpx loads its own command-line program (pygments, rich's syntax highlighting) on
# import whenever click and rich are installed, as Prefect installs them: a tenth of
# a second or more of every command's start, for a program anq never runs.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
