"""The temporary Prefect API's process: ``python -m flows.api_child PORT``.

It reads Prefect's settings first (a profile or ``prefect.toml`` may name an
API, or turn the temporary one off) and says on its first line whether it
serves, so the command knows before it imports anything of Prefect's; then
it serves Prefect's app with uvicorn, as Prefect's own temporary API does.
"""

from __future__ import annotations

import os
import sys

SERVES, DECLINES = "serves", "declines"


def main(port: int) -> int:
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled:
        print(DECLINES, flush=True)
        return 0
    print(SERVES, settings.server.ephemeral.startup_timeout_seconds, flush=True)
    _quiet_stdout()
    import uvicorn

    app = "prefect.server.api.server:create_app"
    uvicorn.run(app, factory=True, host="127.0.0.1", port=port, log_level="error", lifespan="on")
    return 0  # uvicorn exits 3 itself when the port is taken


def _quiet_stdout() -> None:
    """Nothing more on the pipe the command stops reading after the first line."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
