"""Structured logging: one line per record, JSON in services (a lab admin reads them with `docker compose
logs`), key=value on a terminal; structlog and stdlib records (genolake_prs, third parties) alike.

Entry points configure it, libraries never do: the `genolake` CLI (its root command), the API (its
start-up), the native code server (`genolake_dagster.codeserver`), and the Dagster code location (its
`platform` resource, set up for every sensor evaluation and run). Context bound with `bind_context` (a
run's `run_id`, `batch_id`, `partition`, `lane`) is merged into every line the process logs until
`clear_context`.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

HANDLER_NAME = "genolake"


def configure_logging(level: str = "INFO", json: bool | None = None) -> None:
    """Route structlog and stdlib records through one renderer on stderr (JSON unless stderr is a
    terminal); idempotent, so every entry point may call it."""
    use_json = (not sys.stderr.isatty()) if json is None else json
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def bind_context(**values: Any) -> None:
    """Add ``values`` (None values left out) to every line logged from now on in this context."""
    structlog.contextvars.bind_contextvars(**{k: v for k, v in values.items() if v is not None})


def clear_context() -> None:
    structlog.contextvars.clear_contextvars()


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
